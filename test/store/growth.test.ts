import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { rejectsWith } from './assertions.ts';
import { forEachBackend } from './backends.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 2, 10); // midnight UTC

forEachBackend('store: corpus growth per bucket', (ctx) => {
  let task = '';
  let other = '';
  before(async () => {
    const s = ctx.store;
    task = ctx.unique('growth');
    other = ctx.unique('growth-other');
    const user = ctx.unique('annotator');
    await s.corpus.createUser(user);
    for (const id of [task, other]) await s.corpus.createTask({ id, labels: ['ham', 'spam'] });
    // Day 0: 3 documents (01:00, 01:30, 05:00); day 2: 2 documents (23:59). No documents on day 1.
    const at = [T0 + HOUR, T0 + HOUR + 30 * 60_000, T0 + 5 * HOUR, T0 + 3 * DAY - 60_000, T0 + 3 * DAY - 60_000];
    const docs = await s.corpus.addDocuments(task, at.map((t, i) => ({ content: `doc ${i}`, createdAt: new Date(t) })));
    // Labelled: doc 0 on day 0 (twice: only its first annotation counts), doc 1 on day 1, doc 3 on day 2.
    await s.corpus.annotate({ documentId: docs[0]!.id, userId: user, label: 'ham', at: new Date(T0 + 2 * HOUR) });
    await s.corpus.createUser(`${user}-2`);
    await s.corpus.annotate({ documentId: docs[0]!.id, userId: `${user}-2`, label: 'spam', at: new Date(T0 + DAY + HOUR) });
    await s.corpus.annotate({ documentId: docs[1]!.id, userId: user, label: 'spam', at: new Date(T0 + DAY + 2 * HOUR) });
    await s.corpus.annotate({ documentId: docs[3]!.id, userId: user, label: 'ham', at: new Date(T0 + 3 * DAY - 1) });
    // Another task's corpus and firings must not show.
    const [x] = await s.corpus.addDocuments(other, [{ content: 'elsewhere', createdAt: new Date(T0) }]);
    await s.corpus.annotate({ documentId: x!.id, userId: user, label: 'ham', at: new Date(T0) });
    for (const [t, rule] of [[T0 + DAY, 'growth'], [T0 + 2 * DAY, 'manual'], [T0 + 2 * DAY + HOUR, 'schedule']] as const) {
      await s.triggerMonitor.addTriggerEvent({ taskId: task, scope: { kind: 'global' }, rule, reason: `${rule} fired`, jobId: null, detail: null, createdAt: new Date(t) });
    }
    await s.triggerMonitor.addTriggerEvent({ taskId: other, scope: { kind: 'global' }, rule: 'manual', reason: 'other', jobId: null, detail: null, createdAt: new Date(T0) });
  });

  it('counts documents and first labels per day, cumulatively, only for busy buckets', async () => {
    const g = await ctx.store.listing.growth(task, { bucketMs: DAY });
    assert.deepEqual(g.points.map((p) => [p.start.getTime(), p.documents, p.labelled]), [
      [T0, 3, 1],
      [T0 + DAY, 3, 2],
      [T0 + 2 * DAY, 5, 3],
    ]);
  });

  it('buckets by hour on the hour', async () => {
    const g = await ctx.store.listing.growth(task, { bucketMs: HOUR });
    assert.deepEqual(g.points.map((p) => [p.start.getTime() - T0, p.documents, p.labelled]), [
      [HOUR, 2, 0],
      [2 * HOUR, 2, 1],
      [5 * HOUR, 3, 1],
      [DAY + 2 * HOUR, 3, 2],
      [3 * DAY - HOUR, 5, 3],
    ]);
  });

  it('lists the task\'s trigger firings oldest first, the newest N when limited', async () => {
    const g = await ctx.store.listing.growth(task, { bucketMs: DAY });
    assert.deepEqual(g.firings.map((f) => [f.createdAt.getTime(), f.rule, f.reason]), [
      [T0 + DAY, 'growth', 'growth fired'],
      [T0 + 2 * DAY, 'manual', 'manual fired'],
      [T0 + 2 * DAY + HOUR, 'schedule', 'schedule fired'],
    ]);
    assert.equal(g.firingsTruncated, false);
    const limited = await ctx.store.listing.growth(task, { bucketMs: DAY, firingsLimit: 2 });
    assert.deepEqual(limited.firings.map((f) => f.rule), ['manual', 'schedule']);
    assert.equal(limited.firingsTruncated, true);
  });

  it('answers an empty task with no points and refuses a bad bucket', async () => {
    const empty = ctx.unique('growth-empty');
    await ctx.store.corpus.createTask({ id: empty, labels: ['a', 'b'] });
    assert.deepEqual(await ctx.store.listing.growth(empty, { bucketMs: DAY }), { points: [], firings: [], firingsTruncated: false });
    await rejectsWith(ctx.store.listing.growth(task, { bucketMs: 0 }), 'INVALID_ARGUMENT', 'bucket');
    await rejectsWith(ctx.store.listing.growth(task, { bucketMs: 1.5 }), 'INVALID_ARGUMENT', 'bucket');
  });
});
