import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from '../../src/registry/index.ts';
import { rejectsWith } from '../store/assertions.ts';
import { forEachBackend } from '../store/backends.ts';
import { modelInput, newTask } from './helpers.ts';

const t = (minute: number) => new Date(Date.UTC(2024, 4, 1, 12, minute));

forEachBackend('registry: promotion history', (ctx) => {
  const registry = () => new Registry(ctx.store);

  it('records who, when and why, and answers which model was active at any time', async () => {
    const task = await newTask(ctx);
    const r = registry();
    const a = await r.models.register(modelInput(task));
    const b = await r.models.register(modelInput(task));
    await r.promotions.promote({ taskId: task, modelId: a.id, actor: 'ana', reason: 'first model', at: t(10) });
    await r.promotions.promote({ taskId: task, modelId: b.id, actor: 'bo', reason: 'beats A on paired folds', at: t(20) });

    assert.equal(await r.promotions.activeAt(task, { kind: 'global' }, t(5)), null);
    assert.equal((await r.promotions.activeAt(task, { kind: 'global' }, t(10)))?.id, a.id);
    assert.equal((await r.promotions.activeAt(task, { kind: 'global' }, t(19)))?.id, a.id);
    assert.equal((await r.promotions.activeAt(task, { kind: 'global' }, t(20)))?.id, b.id);
    assert.equal((await r.promotions.activeAt(task))?.id, b.id);
    assert.deepEqual(
      (await r.promotions.history(task)).map((e) => [e.action, e.modelId, e.previousModelId, e.actor, e.reason, e.createdAt.toISOString()]),
      [
        ['promote', a.id, null, 'ana', 'first model', t(10).toISOString()],
        ['promote', b.id, a.id, 'bo', 'beats A on paired folds', t(20).toISOString()],
      ],
    );
    assert.equal((await r.models.get(a.id)).status, 'candidate');
    assert.equal((await r.models.get(b.id)).status, 'active');
  });

  it('rolls back like a stack, skipping retired models, and keeps the rollback in the history', async () => {
    const task = await newTask(ctx);
    const r = registry();
    const [a, b, c] = [
      await r.models.register(modelInput(task)),
      await r.models.register(modelInput(task)),
      await r.models.register(modelInput(task)),
    ];
    await r.promotions.promote({ taskId: task, modelId: a!.id, actor: 'ana', reason: '1', at: t(1) });
    await r.promotions.promote({ taskId: task, modelId: b!.id, actor: 'ana', reason: '2', at: t(2) });
    await r.promotions.promote({ taskId: task, modelId: c!.id, actor: 'ana', reason: '3', at: t(3) });
    const back = await r.promotions.rollback({ taskId: task, actor: 'oncall', reason: 'C drifts', at: t(4) });
    assert.deepEqual([back.action, back.modelId, back.previousModelId, back.actor], ['rollback', b!.id, c!.id, 'oncall']);
    assert.equal((await r.models.get(c!.id)).status, 'candidate');

    await r.promotions.promote({ taskId: task, modelId: c!.id, actor: 'ana', reason: 'fixed', at: t(5) });
    await r.models.retire(b!.id);
    const skip = await r.promotions.rollback({ taskId: task, actor: 'oncall', reason: 'again', at: t(6) });
    assert.equal(skip.modelId, a!.id, 'B is retired, so the rollback goes to A');
    await rejectsWith(r.promotions.rollback({ taskId: task, actor: 'oncall', reason: 'more', at: t(7) }), 'INVALID_STATE', 'taskId');
    assert.equal((await r.promotions.activeAt(task, { kind: 'global' }, t(3)))?.id, c!.id);
    assert.equal((await r.promotions.activeAt(task, { kind: 'global' }, t(4)))?.id, b!.id);
    assert.equal((await r.promotions.history(task)).length, 6);
  });

  it('keeps scopes apart', async () => {
    const task = await newTask(ctx);
    const group = ctx.unique('experts');
    await ctx.store.corpus.createGroup(group, { expert: true });
    const r = registry();
    const global = await r.models.register(modelInput(task));
    const mine = await r.models.register(modelInput(task, { scope: { kind: 'group', groupId: group } }));
    await r.promotions.promote({ taskId: task, modelId: global.id, actor: 'a', reason: 'g' });
    await r.promotions.promote({ taskId: task, modelId: mine.id, actor: 'a', reason: 'grp' });
    assert.equal((await r.promotions.activeAt(task))?.id, global.id);
    assert.equal((await r.promotions.activeAt(task, { kind: 'group', groupId: group }))?.id, mine.id);
    assert.equal(await r.promotions.activeAt(task, { kind: 'user', userId: 'u' }), null);
  });

  it('refuses a model of another task or scope, unknown ids, retired or active models, and anonymous changes', async () => {
    const task = await newTask(ctx);
    const other = await newTask(ctx);
    const r = registry();
    const foreign = await r.models.register(modelInput(other));
    const m = await r.models.register(modelInput(task));
    const p = r.promotions;
    await rejectsWith(p.promote({ taskId: task, modelId: foreign.id, actor: 'a', reason: 'r' }), 'INVALID_REFERENCE', 'modelId', /belongs to task/);
    await rejectsWith(p.promote({ taskId: task, modelId: m.id, scope: { kind: 'user', userId: 'u' }, actor: 'a', reason: 'r' }), 'INVALID_REFERENCE', 'scope');
    await rejectsWith(p.promote({ taskId: task, modelId: 987_654, actor: 'a', reason: 'r' }), 'NOT_FOUND', 'modelId');
    await rejectsWith(p.promote({ taskId: ctx.unique('ghost'), modelId: m.id, actor: 'a', reason: 'r' }), 'NOT_FOUND', 'taskId');
    await rejectsWith(p.promote({ taskId: task, modelId: m.id, actor: '', reason: 'r' }), 'INVALID_ARGUMENT', 'actor');
    await rejectsWith(p.promote({ taskId: task, modelId: m.id, actor: 'a', reason: ' ' }), 'INVALID_ARGUMENT', 'reason');
    await rejectsWith(p.rollback({ taskId: task, actor: 'a', reason: 'r' }), 'INVALID_STATE');
    await p.promote({ taskId: task, modelId: m.id, actor: 'a', reason: 'r' });
    await rejectsWith(p.promote({ taskId: task, modelId: m.id, actor: 'a', reason: 'again' }), 'INVALID_STATE', 'modelId');
    await rejectsWith(r.models.retire(m.id), 'INVALID_STATE', 'id', /active/);
    const old = await r.models.register(modelInput(task));
    await r.models.retire(old.id);
    await rejectsWith(p.promote({ taskId: task, modelId: old.id, actor: 'a', reason: 'r' }), 'INVALID_STATE', 'modelId', /retired/);
    assert.equal((await p.history(task)).length, 1);
  });
});
