import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedLabelled, startServer, type TestServer } from './helpers.ts';

describe('GET /v1/tasks/:task/growth', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    await seedLabelled(s, 8);
    const res = await s.call('POST', '/v1/tasks/spam/documents', s.tokens.admin, { documents: [{ content: 'not labelled yet' }] });
    assert.equal(res.statusCode, 201, res.body);
    await s.curator.store.triggerMonitor.addTriggerEvent({ taskId: 'spam', scope: { kind: 'global' }, rule: 'manual', reason: 'pressed train now', jobId: null, detail: null, createdAt: new Date() });
  });
  after(async () => s.close());

  it('answers cumulative documents and labelled documents per bucket with the firings', async () => {
    for (const bucket of ['day', 'hour'] as const) {
      const res = await s.call('GET', `/v1/tasks/spam/growth?bucket=${bucket}`, s.tokens.editor);
      assert.equal(res.statusCode, 200, res.body);
      const g = res.json() as { bucket: string; bucketMs: number; points: { start: string; documents: number; labelled: number }[]; firings: { rule: string; reason: string; jobId: number | null; createdAt: string }[] };
      assert.equal(g.bucket, bucket);
      assert.equal(g.bucketMs, bucket === 'day' ? 86_400_000 : 3_600_000);
      const last = g.points.at(-1)!;
      assert.deepEqual([last.documents, last.labelled], [9, 8]);
      assert.equal(Date.parse(last.start) % g.bucketMs, 0);
      assert.deepEqual(g.firings.map((f) => [f.rule, f.reason, f.jobId]), [['manual', 'pressed train now', null]]);
    }
  });

  it('defaults to day buckets and is in the OpenAPI document with its bucket parameter', async () => {
    assert.equal((await s.call('GET', '/v1/tasks/spam/growth', s.tokens.admin)).json().bucket, 'day');
    const doc = (await s.call('GET', '/openapi.json')).json() as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    const op = doc.paths['/v1/tasks/{task}/growth']?.get;
    assert.ok(op, 'growth route in /openapi.json');
    assert.ok(op.parameters?.some((p) => p.name === 'bucket'));
  });
});
