import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { modelInput } from '../registry/helpers.ts';
import { startWithModel, type TestServer } from './helpers.ts';

/** GET /v1/models/:id carries the confusion matrix the build registered. */

interface Detail {
  model: { id: number; snapshotId: number | null };
  evaluations: { metric: string; label: string | null; foldValues: number[] }[];
  confusion: { labels: string[]; matrix: number[][]; source: string } | null;
}

let s: TestServer & { docIds: number[] };
let built: number;

before(async () => {
  s = await startWithModel();
  built = (await s.curator.registry.models.list({ taskId: 'spam' })).items[0]!.id;
});

after(async () => {
  await s?.close();
});

describe('model detail: confusion matrix', () => {
  it('a built model has its out-of-fold confusion matrix: every snapshot document once, the diagonal its accuracy', async () => {
    const res = await s.call('GET', `/v1/models/${built}`, s.tokens.ana);
    assert.equal(res.statusCode, 200, res.body);
    const d = res.json() as Detail;
    assert.ok(d.confusion !== null, 'a confusion matrix');
    assert.equal(d.confusion.source, 'cv');
    assert.deepEqual(d.confusion.labels, ['ham', 'spam']);
    assert.equal(d.confusion.matrix.length, 2);
    assert.ok(d.confusion.matrix.every((row) => row.length === 2 && row.every((v) => Number.isInteger(v) && v >= 0)));
    const snapshot = await s.curator.store.snapshots.get(d.model.snapshotId!);
    const total = d.confusion.matrix.flat().reduce((a, b) => a + b, 0);
    assert.equal(total, snapshot!.size);
    assert.deepEqual(d.confusion.matrix.map((row) => row.reduce((a, b) => a + b, 0)), ['ham', 'spam'].map((l) => snapshot!.labelCounts[l] ?? 0), 'rows are true labels');
    // The pooled accuracy of the folds: per-fold accuracies weighted by fold size.
    const acc = d.evaluations.find((e) => e.metric === 'accuracy' && e.label === null)!;
    const cells = d.evaluations.filter((e) => e.metric === 'confusion');
    const foldSizes = acc.foldValues.map((_, k) => cells.reduce((a, c) => a + c.foldValues[k]!, 0));
    const pooled = acc.foldValues.reduce((a, v, k) => a + v * foldSizes[k]!, 0) / total;
    assert.ok(Math.abs((d.confusion.matrix[0]![0]! + d.confusion.matrix[1]![1]!) / total - pooled) < 1e-12);
  });

  it('a model registered without confusion rows answers confusion: null; one with only full-dataset rows answers source full', async () => {
    const bare = await s.curator.registry.models.register(modelInput('spam'));
    const d = (await s.call('GET', `/v1/models/${bare.id}`, s.tokens.admin)).json() as Detail;
    assert.equal(d.confusion, null);
    const full = await s.curator.registry.models.register(modelInput('spam', {
      evaluations: [
        { metric: 'full_confusion', label: '["ham","ham"]', mean: 5, std: 0, foldValues: [5] },
        { metric: 'full_confusion', label: '["spam","ham"]', mean: 2, std: 0, foldValues: [2] },
        { metric: 'full_confusion', label: '["spam","spam"]', mean: 4, std: 0, foldValues: [4] },
      ],
    }));
    const f = (await s.call('GET', `/v1/models/${full.id}`, s.tokens.admin)).json() as Detail;
    assert.deepEqual(f.confusion, { labels: ['ham', 'spam'], matrix: [[5, 0], [2, 4]], source: 'full' });
  });

  it('documents the field in the OpenAPI document', async () => {
    const doc = (await s.call('GET', '/openapi.json')).json() as { paths: Record<string, { get?: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown>; required?: string[] } }> }> } }> };
    const schema = doc.paths['/v1/models/{id}']!.get!.responses['200']!.content['application/json']!.schema;
    assert.ok('confusion' in schema.properties);
    assert.ok(schema.required?.includes('confusion'));
  });
});
