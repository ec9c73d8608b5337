import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issueToken } from '../../src/server/index.ts';
import { emails } from '../lifecycle/helpers.ts';
import { startWithModel, type TestServer } from './helpers.ts';

/**
 * Route-table-driven authorization test. Every route the server registers under /v1 (collected
 * by its onRoute hook) must have a case here, and every case must name a registered route: a
 * new route without one fails this test. For each route: no token → 401; a user token of
 * another user (bob) on ana's objects → 403 (role) or 404 (hidden), or, for lists and shared
 * reads, an answer without ana's objects; for 404 cases ana herself gets a 2xx, so the 404 is
 * isolation and not a broken route.
 */

interface Fixture {
  readonly s: TestServer;
  /** A document ana wrote, one root wrote, ana's prediction, ana's user-scope model, ana's second token id. */
  readonly anaDoc: number;
  readonly anaPrediction: string;
  readonly anaModel: number;
  readonly globalModel: number;
  readonly anaTokenId: number;
  readonly snapshotId: number;
  readonly jobId: number;
}

type Req = { url: string; body?: unknown };

interface Case {
  readonly request: (f: Fixture) => Req;
  /**
   * What bob (role user) gets: 403 for a role he lacks; 404 for ana's object (ana gets 2xx);
   * 'visible' for shared reads and lists, checked by `check` not to contain ana's objects.
   */
  readonly bob: 403 | 404 | 'visible';
  readonly check?: (f: Fixture, body: unknown) => void;
}

const json = (b: unknown) => JSON.stringify(b);

const MATRIX: Record<string, Case> = {
  'GET /v1/me': { request: () => ({ url: '/v1/me' }), bob: 'visible', check: (_f, b) => assert.equal((b as { user: { id: string } }).user.id, 'bob') },
  'GET /v1/tasks': { request: () => ({ url: '/v1/tasks' }), bob: 'visible', check: (_f, b) => assert.ok((b as { items: unknown[] }).items.length >= 1) },
  'POST /v1/tasks': { request: () => ({ url: '/v1/tasks', body: { id: 'other', labels: ['a', 'b'] } }), bob: 403 },
  'GET /v1/tasks/:task': {
    request: () => ({ url: '/v1/tasks/spam' }), bob: 'visible',
    check: (f, b) => assert.ok(!json(b).includes(`"userId":"ana"`) && !(b as { active: { model: { id: number } }[] }).active.some((a) => a.model.id === f.anaModel), "bob sees ana's active model"),
  },
  'POST /v1/tasks/:task/documents': { request: () => ({ url: '/v1/tasks/spam/documents', body: { documents: [{ content: 'as ana', authorId: 'ana' }] } }), bob: 403 },
  'GET /v1/tasks/:task/documents': {
    request: () => ({ url: '/v1/tasks/spam/documents?limit=500' }), bob: 'visible',
    check: (_f, b) => assert.ok((b as { items: { authorId: string }[] }).items.every((d) => d.authorId === 'bob'), "bob sees others' documents"),
  },
  'POST /v1/tasks/:task/annotations': { request: (f) => ({ url: '/v1/tasks/spam/annotations', body: { documentId: f.anaDoc, label: 'spam' } }), bob: 404 },
  'POST /v1/tasks/:task/predict': {
    request: () => ({ url: '/v1/tasks/spam/predict', body: { text: 'cheap meds, click here' } }), bob: 'visible',
    check: (f, b) => assert.ok(!(b as { modelIds: number[] }).modelIds.includes(f.anaModel), "bob's prediction used ana's model"),
  },
  'GET /v1/tasks/:task/predictions': {
    request: () => ({ url: '/v1/tasks/spam/predictions?limit=500' }), bob: 'visible',
    check: (f, b) => {
      const items = (b as { items: { userId: string; predictionId: string }[] }).items;
      assert.ok(items.every((p) => p.userId === 'bob') && !items.some((p) => p.predictionId === f.anaPrediction), "bob sees others' predictions");
    },
  },
  'POST /v1/tasks/:task/feedback': { request: (f) => ({ url: '/v1/tasks/spam/feedback', body: { predictionId: f.anaPrediction, label: 'ham' } }), bob: 404 },
  'GET /v1/models': {
    request: () => ({ url: '/v1/models?limit=500' }), bob: 'visible',
    check: (f, b) => {
      const ids = (b as { items: { id: number }[] }).items.map((m) => m.id);
      assert.ok(ids.includes(f.globalModel), 'bob should see the global model');
      assert.ok(!ids.includes(f.anaModel), "bob sees ana's user model");
    },
  },
  'GET /v1/models/:id': { request: (f) => ({ url: `/v1/models/${f.anaModel}` }), bob: 404 },
  'GET /v1/models/:id/file': { request: (f) => ({ url: `/v1/models/${f.anaModel}/file` }), bob: 403 },
  'POST /v1/models/:id/promote': { request: (f) => ({ url: `/v1/models/${f.anaModel}/promote`, body: {} }), bob: 403 },
  'POST /v1/models/:id/retire': { request: (f) => ({ url: `/v1/models/${f.anaModel}/retire`, body: {} }), bob: 403 },
  'POST /v1/tasks/:task/rollback': { request: () => ({ url: '/v1/tasks/spam/rollback', body: {} }), bob: 403 },
  'GET /v1/tasks/:task/snapshots': { request: () => ({ url: '/v1/tasks/spam/snapshots' }), bob: 403 },
  'GET /v1/snapshots/:id': { request: (f) => ({ url: `/v1/snapshots/${f.snapshotId}` }), bob: 403 },
  'POST /v1/tasks/:task/builds': { request: () => ({ url: '/v1/tasks/spam/builds', body: {} }), bob: 403 },
  'GET /v1/jobs': { request: () => ({ url: '/v1/jobs' }), bob: 403 },
  'GET /v1/jobs/:id': { request: (f) => ({ url: `/v1/jobs/${f.jobId}` }), bob: 403 },
  'GET /v1/jobs/:id/events': { request: (f) => ({ url: `/v1/jobs/${f.jobId}/events` }), bob: 403 },
  'GET /v1/tasks/:task/triggers': { request: () => ({ url: '/v1/tasks/spam/triggers' }), bob: 403 },
  'PUT /v1/tasks/:task/triggers': { request: () => ({ url: '/v1/tasks/spam/triggers', body: { rules: [] } }), bob: 403 },
  'GET /v1/tasks/:task/monitor': { request: () => ({ url: '/v1/tasks/spam/monitor' }), bob: 403 },
  'GET /v1/tasks/:task/growth': { request: () => ({ url: '/v1/tasks/spam/growth?bucket=hour' }), bob: 403 },
  'GET /v1/users': { request: () => ({ url: '/v1/users' }), bob: 403 },
  'POST /v1/users': { request: () => ({ url: '/v1/users', body: { id: 'mallory' } }), bob: 403 },
  'GET /v1/groups': { request: () => ({ url: '/v1/groups' }), bob: 403 },
  'POST /v1/groups': { request: () => ({ url: '/v1/groups', body: { id: 'cabal' } }), bob: 403 },
  'POST /v1/groups/:id/members': { request: () => ({ url: '/v1/groups/experts/members', body: { userId: 'bob' } }), bob: 403 },
  'POST /v1/tokens': { request: () => ({ url: '/v1/tokens', body: { userId: 'bob', role: 'admin' } }), bob: 403 },
  'DELETE /v1/tokens/:id': { request: (f) => ({ url: `/v1/tokens/${f.anaTokenId}` }), bob: 404 },
};

let f: Fixture;

before(async () => {
  const s = await startWithModel();
  const records = emails(8, emails(12));
  const docs = await s.call('POST', '/v1/tasks/spam/documents', s.tokens.ana, { documents: records.map((r) => ({ content: r.text })) });
  assert.equal(docs.statusCode, 201, docs.body);
  const ids = (docs.json() as { items: { id: number }[] }).items.map((d) => d.id);
  for (const [i, id] of ids.entries()) {
    const a = await s.call('POST', '/v1/tasks/spam/annotations', s.tokens.ana, { documentId: id, label: records[i]!.label });
    assert.equal(a.statusCode, 201, a.body);
  }
  const built = await s.curator.build('spam', { scope: { kind: 'user', userId: 'ana' }, actor: 'ana', reason: "ana's model" });
  assert.equal(built.status, 'built');
  const predicted = await s.call('POST', '/v1/tasks/spam/predict', s.tokens.ana, { text: records[0]!.text });
  assert.equal(predicted.statusCode, 200, predicted.body);
  const answer = predicted.json() as { predictionId: string; modelId: number };
  assert.equal(answer.modelId, built.status === 'built' ? built.model.id : -1, "ana's own model serves her");
  const spare = await issueToken(s.curator.store, { userId: 'ana', role: 'user', label: 'spare' });
  const global = (await s.curator.registry.models.list({ taskId: 'spam', scope: { kind: 'global' } })).items[0]!;
  f = {
    s, anaDoc: ids[0]!, anaPrediction: answer.predictionId, anaModel: built.status === 'built' ? built.model.id : -1, globalModel: global.id,
    anaTokenId: spare.id, snapshotId: built.status === 'built' ? built.snapshot.id : -1, jobId: built.jobId,
  };
});

after(async () => {
  await f?.s.close();
});

function v1Routes(s: TestServer): string[] {
  return s.app.curatorRoutes.filter((r) => r.url.startsWith('/v1/')).map((r) => `${r.method} ${r.url}`);
}

async function send(method: string, req: Req, token: string | null) {
  return f.s.call(method, req.url, token, req.body);
}

describe('auth matrix (every /v1 route)', () => {
  it('has a case for every registered /v1 route and no case for a route that does not exist', () => {
    const registered = v1Routes(f.s);
    assert.ok(registered.length >= 30, `only ${registered.length} /v1 routes registered`);
    const missing = registered.filter((r) => !(r in MATRIX));
    assert.deepEqual(missing, [], `routes without an auth-matrix case: ${missing.join(', ')}`);
    const stale = Object.keys(MATRIX).filter((k) => !registered.includes(k));
    assert.deepEqual(stale, [], `matrix cases for routes that are not registered: ${stale.join(', ')}`);
  });

  it('answers 401 with a JSON error to every /v1 route without a token', async () => {
    for (const key of v1Routes(f.s)) {
      const [method] = key.split(' ');
      const res = await send(method!, MATRIX[key]!.request(f), null);
      assert.equal(res.statusCode, 401, `${key} without a token: ${res.statusCode} ${res.body}`);
      assert.equal((res.json() as { error: { code: string } }).error.code, 'UNAUTHENTICATED', key);
    }
  });

  it("gives a user token 403 for roles it lacks, 404 for another user's objects, and lists without them", async () => {
    for (const key of v1Routes(f.s)) {
      const [method] = key.split(' ');
      const c = MATRIX[key]!;
      const req = c.request(f);
      const res = await send(method!, req, f.s.tokens.bob);
      if (c.bob === 'visible') {
        assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${key} as bob: ${res.statusCode} ${res.body}`);
        c.check?.(f, res.json());
        continue;
      }
      assert.equal(res.statusCode, c.bob, `${key} as bob: ${res.statusCode} ${res.body}`);
      const err = (res.json() as { error: { code: string; message: string } }).error;
      assert.equal(err.code, c.bob === 403 ? 'FORBIDDEN' : 'NOT_FOUND', key);
      assert.ok(err.message.length > 0, key);
      if (c.bob === 404) {
        const own = await send(method!, req, f.s.tokens.ana);
        assert.ok(own.statusCode >= 200 && own.statusCode < 300, `${key} as ana (the owner) should succeed: ${own.statusCode} ${own.body}`);
      }
    }
  });

  it('gives an editor token 403 on every admin route', async () => {
    const adminOnly = f.s.app.curatorRoutes.filter((r) => r.url.startsWith('/v1/') && r.access === 'admin');
    assert.ok(adminOnly.length >= 6);
    for (const r of adminOnly) {
      const res = await send(r.method, MATRIX[`${r.method} ${r.url}`]!.request(f), f.s.tokens.editor);
      assert.equal(res.statusCode, 403, `${r.method} ${r.url} as editor: ${res.body}`);
    }
  });
});
