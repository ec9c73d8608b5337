import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Registry, type Model, type ModelFilter, type PageRequest } from '../../src/registry/index.ts';
import { rejectsWith } from '../store/assertions.ts';
import { forEachBackend, type ContractContext } from '../store/backends.ts';
import { blob, modelInput, newTask } from './helpers.ts';

const ESTIMATORS = ['MultinomialNB', 'LinearSVC', 'LogisticRegression'];

/** 40 models with many ties on every sort key, so only the id tie-break makes the order total. */
async function seed(ctx: ContractContext): Promise<{ task: string; models: Model[] }> {
  const task = await newTask(ctx);
  const registry = new Registry(ctx.store);
  const models: Model[] = [];
  for (let i = 0; i < 40; i++) {
    models.push(
      await registry.models.register(
        modelInput(task, {
          estimator: ESTIMATORS[i % 3]!,
          score: Math.round((i * 37) % 10) / 10,
          buildTimeMs: ((i * 7) % 9) + 0.25,
          blob: blob(100 + (i % 5) * 10),
          createdAt: new Date(Date.UTC(2024, 0, 1 + Math.floor(i / 4))),
          evaluations: [],
        }),
      ),
    );
  }
  await registry.models.retire(models[5]!.id);
  await registry.models.retire(models[6]!.id);
  return { task, models: await Promise.all(models.map((m) => registry.models.get(m.id))) };
}

async function allPages(registry: Registry, filter: ModelFilter, page: Omit<PageRequest, 'cursor'>): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 100; n++) {
    const p = await registry.models.list(filter, { ...page, cursor });
    assert.ok(p.items.length <= (page.limit ?? 50));
    ids.push(...p.items.map((m) => m.id));
    cursor = p.nextCursor;
    if (cursor === null) return ids;
  }
  throw new Error('paging did not end');
}

const byCreated = (dir: 1 | -1) => (a: Model, b: Model) => dir * (a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
const byScore = (dir: 1 | -1) => (a: Model, b: Model) => dir * (a.score! - b.score! || a.id - b.id);
const byNumber = (key: 'buildTimeMs' | 'blobSize', dir: 1 | -1) => (a: Model, b: Model) => dir * (a[key] - b[key] || a.id - b.id);
// Plain code-point order: the seeded estimator and status names sort the same under any collation.
const byText = (key: 'estimator' | 'status', dir: 1 | -1) => (a: Model, b: Model) => dir * ((a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) || a.id - b.id);

forEachBackend('registry: list, filter and page', (ctx) => {
  let task = '';
  let models: Model[] = [];
  before(async () => {
    ({ task, models } = await seed(ctx));
  });
  const registry = () => new Registry(ctx.store);

  it('pages through every model exactly once, in a stable order, whichever key and direction', async () => {
    for (const [orderBy, direction, cmp] of [
      ['createdAt', 'desc', byCreated(-1)],
      ['createdAt', 'asc', byCreated(1)],
      ['score', 'desc', byScore(-1)],
      ['score', 'asc', byScore(1)],
      ['buildTimeMs', 'desc', byNumber('buildTimeMs', -1)],
      ['buildTimeMs', 'asc', byNumber('buildTimeMs', 1)],
      ['blobSize', 'desc', byNumber('blobSize', -1)],
      ['blobSize', 'asc', byNumber('blobSize', 1)],
      ['estimator', 'desc', byText('estimator', -1)],
      ['estimator', 'asc', byText('estimator', 1)],
      ['status', 'desc', byText('status', -1)],
      ['status', 'asc', byText('status', 1)],
    ] as const) {
      const ids = await allPages(registry(), { taskId: task }, { orderBy, direction, limit: 7 });
      assert.deepEqual(ids, [...models].sort(cmp).map((m) => m.id), `${orderBy} ${direction}`);
      assert.equal(new Set(ids).size, models.length, `${orderBy} ${direction}: no duplicates, no gaps`);
    }
  });

  it('pages a filtered listing by a new key across page boundaries (status sort within one estimator)', async () => {
    const keep = (m: Model) => m.estimator === 'LinearSVC';
    const ids = await allPages(registry(), { taskId: task, estimator: 'LinearSVC' }, { orderBy: 'status', direction: 'asc', limit: 3 });
    assert.deepEqual(ids, models.filter(keep).sort(byText('status', 1)).map((m) => m.id));
    const sizes = await allPages(registry(), { taskId: task, status: 'candidate' }, { orderBy: 'blobSize', direction: 'desc', limit: 4 });
    assert.deepEqual(sizes, models.filter((m) => m.status === 'candidate').sort(byNumber('blobSize', -1)).map((m) => m.id));
  });

  it('filters by status, estimator, score range, created time and scope', async () => {
    const r = registry();
    const check = async (filter: ModelFilter, keep: (m: Model) => boolean) => {
      const ids = await allPages(r, { taskId: task, ...filter }, { limit: 50 });
      assert.deepEqual(ids, models.filter(keep).sort(byCreated(-1)).map((m) => m.id), JSON.stringify(filter));
      assert.equal(await r.models.count({ taskId: task, ...filter }), ids.length);
    };
    await check({ status: 'retired' }, (m) => m.status === 'retired');
    await check({ status: ['candidate'] }, (m) => m.status === 'candidate');
    await check({ estimator: 'LinearSVC' }, (m) => m.estimator === 'LinearSVC');
    await check({ minScore: 0.3, maxScore: 0.6 }, (m) => m.score! >= 0.3 && m.score! <= 0.6);
    const from = new Date(Date.UTC(2024, 0, 3));
    const to = new Date(Date.UTC(2024, 0, 6));
    await check({ createdFrom: from, createdBefore: to }, (m) => m.createdAt >= from && m.createdAt < to);
    await check({ scope: { kind: 'global' }, estimator: 'MultinomialNB', status: 'candidate' }, (m) => m.estimator === 'MultinomialNB' && m.status === 'candidate');
    await check({ scope: { kind: 'user', userId: 'nobody' } }, () => false);
  });

  it('rejects a cursor from another ordering, a garbled cursor and a bad limit', async () => {
    const r = registry();
    const first = await r.models.list({ taskId: task }, { orderBy: 'score', limit: 3 });
    assert.ok(first.nextCursor);
    await rejectsWith(r.models.list({ taskId: task }, { orderBy: 'createdAt', cursor: first.nextCursor }), 'INVALID_ARGUMENT', 'cursor');
    await rejectsWith(r.models.list({ taskId: task }, { cursor: 'not-a-cursor' }), 'INVALID_ARGUMENT', 'cursor');
    await rejectsWith(r.models.list({ taskId: task }, { limit: 0 }), 'INVALID_ARGUMENT', 'limit');
    await rejectsWith(r.models.list({ taskId: task }, { limit: 501 }), 'INVALID_ARGUMENT', 'limit');
    await rejectsWith(r.models.list({ taskId: task }, { orderBy: 'name' as never }), 'INVALID_ARGUMENT', 'orderBy');
    // A text-keyed cursor is not a number-keyed one, even with the key name forged.
    const byEstimator = await r.models.list({ taskId: task }, { orderBy: 'estimator', limit: 3 });
    assert.ok(byEstimator.nextCursor);
    await rejectsWith(r.models.list({ taskId: task }, { orderBy: 'buildTimeMs', cursor: byEstimator.nextCursor }), 'INVALID_ARGUMENT', 'cursor');
    const forged = Buffer.from(JSON.stringify(['buildTimeMs', 'desc', 'LinearSVC', 1])).toString('base64url');
    await rejectsWith(r.models.list({ taskId: task }, { orderBy: 'buildTimeMs', cursor: forged }), 'INVALID_ARGUMENT', 'cursor');
  });
});
