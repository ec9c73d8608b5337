import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from '../../src/registry/index.ts';
import type { Store } from '../../src/store/index.ts';
import { rejectsWith } from '../store/assertions.ts';
import { forEachBackend, type ContractContext } from '../store/backends.ts';
import { modelInput, newTask } from './helpers.ts';

/** Emails and who labelled them how: (text, [user, label][]). */
const CORPUS: [string, [string, string][]][] = [
  ['win a prize now', [['ana', 'spam'], ['bo', 'spam'], ['cy', 'ham']]],
  ['lunch at noon?', [['ana', 'ham'], ['bo', 'ham']]],
  ['cheap pills', [['ana', 'spam'], ['bo', 'ham']]], // tie: left out globally
  ['invoice attached', [['ana', 'ham'], ['bo', 'ham'], ['eve', 'spam']]], // expert eve wins
  ['meeting notes', [['cy', 'ham']]],
];

/** Loads the corpus into a new task, documents in the given order; users are per-run names. */
async function load(ctx: ContractContext, store: Store, order: readonly number[], users: Record<string, string>): Promise<string> {
  const task = await newTask(ctx, store);
  const docs = await store.corpus.addDocuments(task, order.map((i) => ({ content: CORPUS[i]![0] })));
  for (let k = order.length - 1; k >= 0; k--) {
    for (const [user, label] of CORPUS[order[k]!]![1]) await store.corpus.annotate({ documentId: docs[k]!.id, userId: users[user]!, label, at: new Date(1000 + k) });
  }
  return task;
}

async function people(ctx: ContractContext): Promise<{ users: Record<string, string>; experts: string; team: string }> {
  const users: Record<string, string> = {};
  for (const name of ['ana', 'bo', 'cy', 'eve']) {
    users[name] = ctx.unique(name);
    await ctx.store.corpus.createUser(users[name]!);
  }
  const experts = ctx.unique('experts');
  const team = ctx.unique('team');
  await ctx.store.corpus.createGroup(experts, { expert: true });
  await ctx.store.corpus.createGroup(team);
  await ctx.store.corpus.addMember(users.eve!, experts);
  await ctx.store.corpus.addMember(users.bo!, team);
  await ctx.store.corpus.addMember(users.cy!, team);
  return { users, experts, team };
}

forEachBackend('registry: snapshots', (ctx) => {
  it('freezes resolved labels under a content hash that ignores insertion order and ids', async () => {
    const { users } = await people(ctx);
    const r = new Registry(ctx.store);
    const t1 = await load(ctx, ctx.store, [0, 1, 2, 3, 4], users);
    const t2 = await load(ctx, ctx.store, [4, 2, 0, 3, 1], users);
    const s1 = (await r.snapshots.create({ taskId: t1, createdBy: 'ana' })).snapshot;
    const s2 = (await r.snapshots.create({ taskId: t2 })).snapshot;
    assert.equal(s1.contentHash, s2.contentHash);
    assert.equal(s1.size, 4);
    assert.deepEqual(s1.labelCounts, { spam: 2, ham: 2 });
    assert.equal(s1.rule, 'majority+expert');

    const items = await r.snapshots.items(s1.id);
    const docs = await Promise.all(items.map((i) => ctx.store.corpus.getDocument(i.documentId)));
    assert.deepEqual(
      Object.fromEntries(items.map((it, k) => [docs[k]!.content, it.label])),
      { 'win a prize now': 'spam', 'lunch at noon?': 'ham', 'invoice attached': 'spam', 'meeting notes': 'ham' },
    );
  });

  it('returns the existing snapshot for the same data, and a new one when a label changes; old items never change', async () => {
    const { users } = await people(ctx);
    const r = new Registry(ctx.store);
    const task = await load(ctx, ctx.store, [0, 1, 2, 3, 4], users);
    const first = await r.snapshots.create({ taskId: task });
    const again = await r.snapshots.create({ taskId: task });
    assert.deepEqual([first.created, again.created, again.snapshot.id], [true, false, first.snapshot.id]);
    const before = await r.snapshots.items(first.snapshot.id);

    const doc = (await ctx.store.corpus.taskAnnotations(task)).find((a) => a.userId === users.cy)!.documentId;
    await ctx.store.corpus.annotate({ documentId: doc, userId: users.eve!, label: 'ham' });
    const changed = await r.snapshots.create({ taskId: task });
    assert.equal(changed.created, true);
    assert.notEqual(changed.snapshot.contentHash, first.snapshot.contentHash);
    assert.deepEqual(await r.snapshots.items(first.snapshot.id), before);

    const model = await r.models.register(modelInput(task, { snapshotId: first.snapshot.id }));
    assert.equal(model.snapshotId, first.snapshot.id);
    const other = await newTask(ctx);
    await rejectsWith(r.models.register(modelInput(other, { snapshotId: first.snapshot.id })), 'INVALID_REFERENCE', 'snapshotId');
  });

  it("uses a user's own labels for a user scope and the members' votes for a group scope", async () => {
    const { users, team } = await people(ctx);
    const r = new Registry(ctx.store);
    const task = await load(ctx, ctx.store, [0, 1, 2, 3, 4], users);
    const own = (await r.snapshots.create({ taskId: task, scope: { kind: 'user', userId: users.bo! } })).snapshot;
    assert.deepEqual([own.size, own.labelCounts, own.rule, own.scope], [4, { spam: 1, ham: 3 }, 'own-labels', { kind: 'user', userId: users.bo }]);
    const group = (await r.snapshots.create({ taskId: task, scope: { kind: 'group', groupId: team } })).snapshot;
    // team = bo + cy: doc 0 tie (bo spam, cy ham), lunch ham, pills ham, invoice ham, notes ham.
    assert.deepEqual([group.size, group.labelCounts], [4, { ham: 4 }]);
  });

  it('honours a cut-off time, and rejects unknown tasks, users, groups and empty results', async () => {
    const { users } = await people(ctx);
    const r = new Registry(ctx.store);
    const task = await load(ctx, ctx.store, [0, 1, 2, 3, 4], users);
    const early = (await r.snapshots.create({ taskId: task, until: new Date(1001) })).snapshot;
    assert.deepEqual([early.size, early.labelCounts], [2, { spam: 1, ham: 1 }], 'only the first two documents were labelled by then');
    await rejectsWith(r.snapshots.create({ taskId: ctx.unique('ghost') }), 'NOT_FOUND', 'taskId');
    await rejectsWith(r.snapshots.create({ taskId: task, scope: { kind: 'user', userId: ctx.unique('ghost') } }), 'INVALID_REFERENCE', 'scope.userId');
    await rejectsWith(r.snapshots.create({ taskId: task, scope: { kind: 'group', groupId: ctx.unique('ghost') } }), 'INVALID_REFERENCE', 'scope.groupId');
    await rejectsWith(r.snapshots.create({ taskId: await newTask(ctx) }), 'EMPTY_INPUT', 'taskId');
    await rejectsWith(r.snapshots.get(987_654), 'NOT_FOUND', 'id');
  });
});
