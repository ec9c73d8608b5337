import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Model } from '../../src/registry/index.ts';
import { blob, modelInput } from '../registry/helpers.ts';
import { startServer, type TestServer } from './helpers.ts';

const ESTIMATORS = ['MultinomialNB', 'LinearSVC', 'LogisticRegression'];

/** GET /v1/models pages, following nextCursor to the end. */
async function allPages(s: TestServer, query: string, token: string): Promise<Model[]> {
  const out: Model[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 50; n++) {
    const res = await s.call('GET', `/v1/models?task=spam&limit=4&${query}${cursor === null ? '' : `&cursor=${cursor}`}`, token);
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json() as { items: Model[]; nextCursor: string | null };
    out.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) return out;
  }
  throw new Error('paging did not end');
}

describe('GET /v1/models orderBy', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    for (let i = 0; i < 15; i++) {
      await s.curator.registry.models.register(modelInput('spam', {
        estimator: ESTIMATORS[i % 3]!, buildTimeMs: (i * 5) % 4, blob: blob(64 + (i % 3) * 8), score: (i % 4) / 4, evaluations: [],
      }));
    }
  });
  after(async () => s.close());

  it('sorts by build time, file size, estimator and status, both directions, with ties on id', async () => {
    const cases = [
      ['buildTimeMs', (m: Model) => m.buildTimeMs],
      ['blobSize', (m: Model) => m.blobSize],
      ['estimator', (m: Model) => m.estimator],
      ['status', (m: Model) => m.status],
    ] as const;
    for (const [key, value] of cases) {
      for (const direction of ['asc', 'desc'] as const) {
        const got = await allPages(s, `orderBy=${key}&direction=${direction}`, s.tokens.admin);
        assert.equal(new Set(got.map((m) => m.id)).size, 15, `${key} ${direction}: every model once`);
        const want = [...got].sort((a, b) => {
          const va = value(a);
          const vb = value(b);
          return (direction === 'asc' ? 1 : -1) * ((va < vb ? -1 : va > vb ? 1 : 0) || a.id - b.id);
        });
        assert.deepEqual(got.map((m) => m.id), want.map((m) => m.id), `${key} ${direction}`);
      }
    }
  });

  it('sorts for a user token too (visible models only)', async () => {
    const got = await allPages(s, 'orderBy=blobSize&direction=desc', s.tokens.ana);
    assert.equal(got.length, 15);
    for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.blobSize >= got[i]!.blobSize);
  });

  it('answers 400 naming the field for a bad orderBy, a bad direction and a cursor of another key', async () => {
    const bad = async (query: string, field: string) => {
      const res = await s.call('GET', `/v1/models?${query}`, s.tokens.admin);
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      const { error } = res.json() as { error: { code: string; field: string; message: string } };
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.equal(error.field, field, error.message);
      return error.message;
    };
    assert.match(await bad('orderBy=name', 'orderBy'), /orderBy/);
    await bad('orderBy=', 'orderBy');
    await bad('orderBy=buildTimeMs&direction=sideways', 'direction');
    const first = (await s.call('GET', '/v1/models?task=spam&limit=2&orderBy=estimator', s.tokens.admin)).json() as { nextCursor: string };
    await bad(`orderBy=blobSize&cursor=${first.nextCursor}`, 'cursor');
  });
});
