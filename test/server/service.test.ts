import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCurator } from '../../src/lifecycle/index.ts';
import { createServer, issueToken } from '../../src/server/index.ts';
import { emails, QUICK } from '../lifecycle/helpers.ts';
import { startServer, startWithModel, type TestServer } from './helpers.ts';

/** People and tokens, health, metrics, the OpenAPI document, rate limits, and job events from worker threads over a real socket. */

let s: TestServer & { docIds: number[] };

before(async () => {
  s = await startWithModel();
});

after(async () => {
  await s?.close();
});

describe('people and tokens', () => {
  it('an admin creates a user, a group, a membership and a token; the token works until revoked', async () => {
    assert.equal((await s.call('POST', '/v1/users', s.tokens.admin, { id: 'cy', displayName: 'Cy' })).statusCode, 201);
    assert.equal((await s.call('POST', '/v1/groups', s.tokens.admin, { id: 'lab', expert: false, description: 'the lab' })).statusCode, 201);
    const member = await s.call('POST', '/v1/groups/lab/members', s.tokens.admin, { userId: 'cy' });
    assert.equal(member.statusCode, 201, member.body);
    assert.deepEqual(member.json().members, ['cy']);
    const users = (await s.call('GET', '/v1/users', s.tokens.admin)).json() as { items: { id: string }[] };
    assert.ok(users.items.some((u) => u.id === 'cy'));
    const groups = (await s.call('GET', '/v1/groups', s.tokens.admin)).json() as { items: { id: string; members: string[] }[] };
    assert.deepEqual(groups.items.find((g) => g.id === 'lab')?.members, ['cy']);

    const issued = await s.call('POST', '/v1/tokens', s.tokens.admin, { userId: 'cy', role: 'user', label: 'laptop', expiresAt: '2999-01-01T00:00:00Z' });
    assert.equal(issued.statusCode, 201, issued.body);
    const t = issued.json() as { id: number; token: string; role: string; expiresAt: string };
    assert.match(t.token, /^cur_[\w-]{43}$/);
    const me = (await s.call('GET', '/v1/me', t.token)).json() as { user: { id: string }; role: string; groups: string[] };
    assert.deepEqual([me.user.id, me.role, me.groups], ['cy', 'user', ['lab']]);

    const revoked = await s.call('DELETE', `/v1/tokens/${t.id}`, t.token);
    assert.equal(revoked.statusCode, 200, 'a user revokes their own token');
    assert.ok(revoked.json().revokedAt !== null);
    const after = await s.call('GET', '/v1/me', t.token);
    assert.equal(after.statusCode, 401, 'a revoked token is refused at once on this server');
    assert.match(after.json().error.message, /revoked/);
  });

  it('joining a group takes effect for a cached token at once', async () => {
    const before = (await s.call('GET', '/v1/me', s.tokens.ana)).json() as { groups: string[] };
    assert.deepEqual(before.groups, []);
    await s.call('POST', '/v1/groups/experts/members', s.tokens.admin, { userId: 'ana' });
    const after = (await s.call('GET', '/v1/me', s.tokens.ana)).json() as { groups: string[] };
    assert.deepEqual(after.groups, ['experts']);
  });
});

describe('health, metrics, OpenAPI', () => {
  it('answers liveness and readiness without a token', async () => {
    assert.deepEqual((await s.call('GET', '/healthz')).json(), { status: 'ok' });
    const ready = await s.call('GET', '/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
  });

  it('exposes request latency, predictions per model and scope, queue depth and decay alarms in Prometheus format', async () => {
    await s.call('POST', '/v1/tasks/spam/predict', s.tokens.bob, { text: 'free money' });
    const res = await s.call('GET', '/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const model = (await s.curator.registry.models.list({ taskId: 'spam', status: 'active' })).items[0]!.id;
    assert.match(res.body, new RegExp(`curator_predictions_total\\{task="spam",model="${model}",scope="global"\\} [1-9]`));
    assert.match(res.body, /curator_http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/v1\/tasks\/:task\/predict",status="200"\}/);
    assert.match(res.body, /curator_job_queue_depth\{status="succeeded"\} 1/);
    assert.match(res.body, /# TYPE curator_decay_alarms gauge/);
    assert.match(res.body, /# TYPE curator_build_duration_seconds histogram/);
  });

  it('two servers in one process keep separate metrics', async () => {
    const other = await createServer({ curator: s.curator, dashboard: false, defaultMetrics: false });
    const text = (await other.inject({ method: 'GET', url: '/metrics' })).body;
    assert.doesNotMatch(text, /curator_predictions_total\{/);
    await other.close();
  });

  it('documents every route in /openapi.json, generated from the zod schemas, and serves Swagger UI at /docs', async () => {
    const doc = (await s.call('GET', '/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[]; additionalProperties?: boolean } }> } }>> };
    assert.match(doc.openapi, /^3\./);
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)));
    const routes = s.app.curatorRoutes.filter((r) => r.url.startsWith('/v1/')).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(routes.filter((r) => !documented.has(r)), []);
    const predict = doc.paths['/v1/tasks/{task}/predict']!['post']!.requestBody!.content['application/json']!.schema;
    assert.deepEqual(predict.required, ['text']);
    assert.equal(predict.additionalProperties, false);
    const ui = await s.call('GET', '/docs/');
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /swagger/i);
  });
});

describe('dashboard', () => {
  it('serves web/ at / next to the API; unknown /v1 paths still need a token', async () => {
    const d = await startServer({ dashboard: true });
    try {
      const index = await d.call('GET', '/');
      assert.equal(index.statusCode, 200);
      assert.match(String(index.headers['content-type']), /^text\/html/);
      assert.equal((await d.call('GET', '/no-such-file.js')).statusCode, 404);
      assert.equal((await d.call('GET', '/v1/no-such-route')).statusCode, 401);
      assert.equal((await d.call('GET', '/v1/no-such-route', d.tokens.ana)).json().error.code, 'NOT_FOUND');
      assert.equal((await d.call('GET', '/v1/me', d.tokens.ana)).statusCode, 200);
    } finally {
      await d.close();
    }
  });
});

describe('options', () => {
  it('refuses bad options naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ curator: {} }, /curator must be a Curator/],
      [{ curator: s.curator, bodyLimit: -1 }, /bodyLimit must be a positive integer/],
      [{ curator: s.curator, rateLimit: { max: 0, timeWindowMs: 1000 } }, /rateLimit\.max must be a number > 0/],
      [{ curator: s.curator, rateLimit: { max: 5, timeWindowMs: 1.5 } }, /rateLimit\.timeWindowMs/],
      [{ curator: s.curator, jobPollMs: 0 }, /jobPollMs must be an integer ≥ 1/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(createServer(options as never), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && message.test(e.message));
    }
  });

  it('answers 413 above a configured body limit', async () => {
    const small = await createServer({ curator: s.curator, bodyLimit: 100, dashboard: false, defaultMetrics: false });
    const res = await small.inject({ method: 'POST', url: '/v1/tasks/spam/predict', headers: { authorization: `Bearer ${s.tokens.ana}`, 'content-type': 'application/json' }, payload: JSON.stringify({ text: 'x'.repeat(200) }) });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'PAYLOAD_TOO_LARGE');
    await small.close();
  });
});

describe('readiness', () => {
  it('answers 503 STORE_UNAVAILABLE when the database is gone, while liveness stays 200', async () => {
    const r = await startServer();
    await r.curator.store.close();
    const ready = await r.call('GET', '/readyz');
    assert.equal(ready.statusCode, 503, ready.body);
    assert.equal(ready.json().error.code, 'STORE_UNAVAILABLE');
    assert.equal((await r.call('GET', '/healthz')).statusCode, 200);
    await r.app.close();
  });
});

describe('closing', () => {
  it('ends open job event streams instead of waiting for their jobs', async () => {
    const c = await startServer();
    const job = await c.curator.store.activity.createJob({ taskId: 'spam', scope: { kind: 'global' } }); // queued, nothing will run it
    const streaming = c.call('GET', `/v1/jobs/${job.id}/events`, c.tokens.editor);
    await new Promise((r) => setTimeout(r, 100));
    await c.app.close();
    const ended = await Promise.race([streaming.then((res) => res.body), new Promise<null>((r) => setTimeout(() => r(null), 2000))]);
    await c.curator.close();
    assert.ok(ended !== null, 'the stream outlived the server');
    assert.match(ended, /event: job/);
    assert.doesNotMatch(ended, /event: end/);
  });
});

describe('rate limit', () => {
  it('answers 429 with the JSON error once a token exceeds its budget; other tokens and public routes are unaffected', async () => {
    const r = await startServer({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await r.call('GET', '/v1/me', r.tokens.ana)).statusCode, 200);
      const limited = await r.call('GET', '/v1/me', r.tokens.ana);
      assert.equal(limited.statusCode, 429, limited.body);
      assert.equal(limited.json().error.code, 'RATE_LIMITED');
      assert.match(limited.json().error.message, /3 requests per 1 minute/);
      assert.equal((await r.call('GET', '/v1/me', r.tokens.bob)).statusCode, 200, 'per token');
      for (let i = 0; i < 5; i++) assert.equal((await r.call('GET', '/healthz')).statusCode, 200);
    } finally {
      await r.close();
    }
  });
});

describe('job events from worker threads over a real socket', () => {
  it('streams started, progress per fold and candidate, succeeded and end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'curator-server-'));
    const curator = await createCurator({ store: `sqlite:${join(dir, 'c.db')}`, jobs: { progressWriteMs: 0 }, triggers: { scheduleCheckMs: 0 } });
    try {
      await curator.addUser('ed');
      await curator.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 2 }, minLabels: { global: 6 }, triggers: [{ kind: 'manual' }] });
      const records = emails(12);
      const docs = await curator.addDocuments('spam', records.map((r) => ({ content: r.text })));
      await curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'ed', label: records[i]!.label })));
      const { token } = await issueToken(curator.store, { userId: 'ed', role: 'editor' });
      const app = await createServer({ curator, dashboard: false, defaultMetrics: false, jobPollMs: 50 });
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        const started = await fetch(`${base}/v1/tasks/spam/builds`, { method: 'POST', headers, body: '{}' });
        assert.equal(started.status, 202);
        const { jobId } = (await started.json()) as { jobId: number };
        const stream = await fetch(`${base}/v1/jobs/${jobId}/events`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(stream.status, 200);
        const text = await stream.text();
        const events = text.split('\n').filter((l) => l.startsWith('event: ')).map((l) => l.slice(7));
        assert.equal(events.at(-1), 'end', text);
        assert.ok(events.includes('succeeded'), `engine events missing: ${events.join(',')}`);
        assert.ok(events.includes('progress'), `no progress events: ${events.join(',')}`);
        const progress = text.split('\n\n').filter((b) => b.startsWith('event: progress')).map((b) => JSON.parse(b.split('\ndata: ')[1]!) as { progress: { stage: string; fold?: number } });
        assert.ok(progress.some((p) => p.progress.stage === 'cv' && p.progress.fold === 2), 'fold 2 of 2 reported');
        const metrics = await (await fetch(`${base}/metrics`)).text();
        assert.match(metrics, /curator_build_duration_seconds_count\{task="spam",scope="global",status="built"\} 1/);
      } finally {
        await app.close();
      }
    } finally {
      await curator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
