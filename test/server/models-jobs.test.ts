import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { emails } from '../lifecycle/helpers.ts';
import { seedLabelled, startWithModel, type TestServer } from './helpers.ts';

/** Happy paths of models, builds, jobs (with their event stream), snapshots, triggers and monitoring. */

let s: TestServer & { docIds: number[] };
let first: number;

before(async () => {
  s = await startWithModel();
  first = (await s.curator.registry.models.list({ taskId: 'spam' })).items[0]!.id;
});

after(async () => {
  await s?.close();
});

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .map((block) => block.split('\n'))
    .filter((lines) => lines.some((l) => l.startsWith('event: ')))
    .map((lines) => ({
      event: lines.find((l) => l.startsWith('event: '))!.slice(7),
      data: JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as Record<string, unknown>,
    }));
}

describe('models', () => {
  it('lists models with filters and detail with per-fold evaluations and promotion history', async () => {
    const list = (await s.call('GET', '/v1/models?task=spam&status=active&scopeKind=global', s.tokens.ana)).json() as { items: { id: number; estimator: string }[] };
    assert.deepEqual(list.items.map((m) => m.id), [first]);
    const est = list.items[0]!.estimator;
    assert.equal(((await s.call('GET', `/v1/models?estimator=${est}`, s.tokens.ana)).json() as { items: unknown[] }).items.length, 1);
    assert.equal(((await s.call('GET', '/v1/models?estimator=Nothing', s.tokens.ana)).json() as { items: unknown[] }).items.length, 0);
    assert.equal(((await s.call('GET', '/v1/models?createdAfter=2999-01-01T00:00:00Z', s.tokens.ana)).json() as { items: unknown[] }).items.length, 0);
    assert.equal(((await s.call('GET', '/v1/models?createdAfter=2000-01-01&createdBefore=2999-12-31', s.tokens.ana)).json() as { items: unknown[] }).items.length, 1);
    assert.equal(((await s.call('GET', '/v1/models?minScore=0&maxScore=1&orderBy=score', s.tokens.ana)).json() as { items: unknown[] }).items.length, 1);

    const detail = await s.call('GET', `/v1/models/${first}`, s.tokens.ana);
    assert.equal(detail.statusCode, 200, detail.body);
    const d = detail.json() as { evaluations: { metric: string; foldValues: number[] }[]; promotions: { action: string; modelId: number }[] };
    const f1 = d.evaluations.find((e) => e.metric === 'f1_macro');
    assert.ok(f1 !== undefined && f1.foldValues.length === 2, 'two folds');
    assert.deepEqual(d.promotions.map((p) => [p.action, p.modelId]), [['promote', first]]);
  });

  it('hands staff the model file, matching its SHA-256', async () => {
    const res = await s.call('GET', `/v1/models/${first}/file`, s.tokens.editor);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(createHash('sha256').update(res.rawPayload).digest('hex'), res.headers['x-model-sha256']);
  });
});

describe('builds and jobs', () => {
  let jobId: number;

  it('"train now" answers 202 with the job, which streams its progress as server-sent events until it ends', async () => {
    const added = await seedLabelled(s, 8);
    assert.equal(added.length, 8);
    const res = await s.call('POST', '/v1/tasks/spam/builds', s.tokens.editor, { reason: 'more data' });
    assert.equal(res.statusCode, 202, res.body);
    const started = res.json() as { jobId: number; status: string };
    assert.equal(started.status, 'started');
    jobId = started.jobId;
    await s.curator.idle();
    const events = await s.call('GET', `/v1/jobs/${jobId}/events`, s.tokens.editor);
    assert.equal(events.statusCode, 200);
    assert.match(String(events.headers['content-type']), /^text\/event-stream/);
    const parsed = parseSse(events.body);
    assert.ok(parsed.length >= 2, events.body);
    assert.equal(parsed[0]!.event, 'job');
    assert.equal(parsed[0]!.data['id'], jobId);
    const end = parsed.at(-1)!;
    assert.equal(end.event, 'end');
    assert.equal(end.data['status'], 'succeeded');
  });

  it('lists jobs newest first and reads one with status, attempts and result', async () => {
    const list = (await s.call('GET', '/v1/jobs?task=spam', s.tokens.editor)).json() as { items: { id: number }[] };
    assert.equal(list.items[0]!.id, jobId);
    const succeeded = (await s.call('GET', '/v1/jobs?status=failed', s.tokens.editor)).json() as { items: unknown[] };
    assert.equal(succeeded.items.length, 0);
    const job = (await s.call('GET', `/v1/jobs/${jobId}`, s.tokens.editor)).json() as { status: string; attempts: number; progress: number; params: { reason: string } };
    assert.deepEqual([job.status, job.attempts, job.progress], ['succeeded', 1, 1]);
    assert.match(job.params.reason, /more data/);
  });

  it('a stream opened while the job runs follows it to its end', async () => {
    const res = await s.call('POST', '/v1/tasks/spam/builds', s.tokens.editor, {});
    const id = (res.json() as { jobId: number }).jobId;
    // the in-process build blocks this loop while it runs; the stream starts on the queued or running row
    const events = await s.call('GET', `/v1/jobs/${id}/events`, s.tokens.editor);
    const parsed = parseSse(events.body);
    assert.equal(parsed.at(-1)!.event, 'end', events.body);
    await s.curator.idle();
  });

  it('lists snapshots of the task and reads one', async () => {
    const list = (await s.call('GET', '/v1/tasks/spam/snapshots', s.tokens.editor)).json() as { items: { id: number; size: number }[] };
    assert.ok(list.items.length >= 2);
    const one = await s.call('GET', `/v1/snapshots/${list.items[0]!.id}`, s.tokens.editor);
    assert.equal(one.statusCode, 200, one.body);
    assert.equal(one.json().size, list.items[0]!.size);
  });
});

describe('promotion, rollback and retirement', () => {
  it('promotes a candidate, rolls back to the previous model, retires the candidate, and predictions follow', async () => {
    const models = (await s.call('GET', '/v1/models?task=spam&limit=500', s.tokens.editor)).json() as { items: { id: number; status: string }[] };
    const active = models.items.find((m) => m.status === 'active')!;
    let candidate = models.items.find((m) => m.status === 'candidate');
    if (candidate === undefined) {
      // every build so far was promoted: roll back to have a candidate
      const rb = await s.call('POST', '/v1/tasks/spam/rollback', s.tokens.editor, { reason: 'make a candidate' });
      assert.equal(rb.statusCode, 200, rb.body);
      candidate = { id: active.id, status: 'candidate' };
    }
    const promoted = await s.call('POST', `/v1/models/${candidate.id}/promote`, s.tokens.editor, { reason: 'by hand' });
    assert.equal(promoted.statusCode, 200, promoted.body);
    assert.deepEqual([promoted.json().action, promoted.json().modelId, promoted.json().actor, promoted.json().reason], ['promote', candidate.id, 'ed', 'by hand']);
    const p1 = (await s.call('POST', '/v1/tasks/spam/predict', s.tokens.ana, { text: 'cheap pills' })).json() as { modelId: number };
    assert.equal(p1.modelId, candidate.id, 'the promotion reaches the next prediction');

    const rolled = await s.call('POST', '/v1/tasks/spam/rollback', s.tokens.editor, { scope: { kind: 'global' } });
    assert.equal(rolled.statusCode, 200, rolled.body);
    assert.equal(rolled.json().action, 'rollback');
    const back = rolled.json().modelId as number;
    assert.notEqual(back, candidate.id);
    const p2 = (await s.call('POST', '/v1/tasks/spam/predict', s.tokens.ana, { text: 'cheap pills' })).json() as { modelId: number };
    assert.equal(p2.modelId, back, 'the rollback reaches the next prediction');

    const retired = await s.call('POST', `/v1/models/${candidate.id}/retire`, s.tokens.editor, { reason: 'worse' });
    assert.equal(retired.statusCode, 200, retired.body);
    assert.equal(retired.json().status, 'retired');
    const again = await s.call('POST', `/v1/models/${candidate.id}/promote`, s.tokens.editor, {});
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error.message, /only a candidate can be promoted/);
  });
});

describe('triggers and monitoring', () => {
  it('reads the rules and firings, replaces the rules (checked), and the new rules apply', async () => {
    const got = (await s.call('GET', '/v1/tasks/spam/triggers', s.tokens.editor)).json() as { rules: { kind: string }[]; events: { rule: string; jobId: number }[] };
    assert.deepEqual(got.rules.map((r) => r.kind), ['manual']);
    assert.ok(got.events.length >= 2 && got.events.every((e) => e.rule === 'manual'));
    const put = await s.call('PUT', '/v1/tasks/spam/triggers', s.tokens.editor, { rules: [{ kind: 'growth', labels: 1000 }, { kind: 'decay', minSamples: 50 }] });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual((put.json() as { rules: { kind: string }[] }).rules.map((r) => r.kind), ['growth', 'decay']);
    const noManual = await s.call('POST', '/v1/tasks/spam/builds', s.tokens.editor, {});
    assert.equal(noManual.statusCode, 409, 'train now needs a manual rule');
    assert.match(noManual.json().error.message, /no manual trigger rule/);
    const restore = await s.call('PUT', '/v1/tasks/spam/triggers', s.tokens.editor, { rules: [{ kind: 'manual' }] });
    assert.equal(restore.statusCode, 200);
  });

  it('reports live windows per model next to the CV estimate, and alarms', async () => {
    const text = emails(1, emails(30))[0]!.text;
    const p = (await s.call('POST', '/v1/tasks/spam/predict', s.tokens.ana, { text })).json() as { predictionId: string; modelId: number };
    await s.call('POST', '/v1/tasks/spam/feedback', s.tokens.ana, { predictionId: p.predictionId, label: 'spam' });
    const res = await s.call('GET', '/v1/tasks/spam/monitor', s.tokens.editor);
    assert.equal(res.statusCode, 200, res.body);
    const m = res.json() as { models: { modelId: number; count: { n: number }; cv: Record<string, number> }[]; alarms: unknown[] };
    const report = m.models.find((r) => r.modelId === p.modelId);
    assert.ok(report !== undefined, res.body);
    assert.equal(report.count.n, 1);
    assert.ok(report.cv['f1_macro']! > 0);
    assert.deepEqual(m.alarms, []);

    // a second feedback on the model the monitor now follows; once its window is written, the
    // report carries it as history (the chart's points)
    const p2 = (await s.call('POST', '/v1/tasks/spam/predict', s.tokens.ana, { text: `${text} again` })).json() as { predictionId: string; modelId: number };
    assert.equal(p2.modelId, p.modelId);
    await s.call('POST', '/v1/tasks/spam/feedback', s.tokens.ana, { predictionId: p2.predictionId, label: 'spam' });
    await s.curator.flush();
    const later = (await s.call('GET', `/v1/tasks/spam/monitor?modelId=${p.modelId}`, s.tokens.editor)).json() as {
      models: { modelId: number; history: { windowEnd: string; n: number; precision_macro: number; recall_macro: number }[] }[];
    };
    const history = later.models.find((r) => r.modelId === p.modelId)!.history;
    assert.ok(history.length >= 1, JSON.stringify(later));
    const last = history.at(-1)!;
    assert.equal(last.n, 2);
    assert.ok(Number.isFinite(Date.parse(last.windowEnd)));
    assert.equal(typeof last.recall_macro, 'number');
  });
});
