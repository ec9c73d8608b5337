import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from '../../src/registry/index.ts';
import { rejectsWith } from '../store/assertions.ts';
import { forEachBackend } from '../store/backends.ts';
import { blob, modelInput, newTask } from './helpers.ts';

forEachBackend('registry: retention', (ctx) => {
  it('keeps the active model and the N newest candidates per task and scope, and really deletes the other blobs', async () => {
    const task = await newTask(ctx);
    const user = ctx.unique('user');
    await ctx.store.corpus.createUser(user);
    const r = new Registry(ctx.store);
    const size = 200_000;
    const at = (i: number) => new Date(Date.UTC(2024, 0, 1, 0, i));
    const global = [];
    for (let i = 0; i < 6; i++) global.push(await r.models.register(modelInput(task, { blob: blob(size), createdAt: at(i) })));
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await r.models.register(modelInput(task, { blob: blob(size), createdAt: at(i), scope: { kind: 'user', userId: user } })));
    await r.promotions.promote({ taskId: task, modelId: global[0]!.id, actor: 'a', reason: 'oldest is the champion' });
    await r.promotions.promote({ taskId: task, modelId: global[1]!.id, actor: 'a', reason: 'next' });

    const before = await ctx.store.models.storedBlobBytes();
    const report = await r.models.applyRetention({ keep: 2, taskId: task });
    // global: 1 active (kept), 5 and 4 kept as newest candidates, 3, 2, 0 retired; user: 2 and 1 kept, 0 retired.
    const expectRetired = [global[3]!, global[2]!, global[0]!, mine[0]!].map((m) => m.id).sort((x, y) => x - y);
    assert.deepEqual([...report.retired].sort((x, y) => x - y), expectRetired);
    assert.deepEqual([...report.blobsDeleted].sort((x, y) => x - y), expectRetired);
    assert.equal(report.bytesFreed, 4 * size);
    assert.equal(before - (await ctx.store.models.storedBlobBytes()), 4 * size);

    for (const id of expectRetired) {
      const m = await r.models.get(id);
      assert.equal(m.status, 'retired');
      await rejectsWith(r.models.load(id), 'INVALID_STATE', 'id', /no blob/);
    }
    assert.equal((await r.models.load(global[1]!.id)).bytes.byteLength, size);
    assert.equal((await r.promotions.history(task)).length, 2, 'history survives retention');
    await rejectsWith(r.promotions.rollback({ taskId: task, actor: 'a', reason: 'r' }), 'INVALID_STATE');

    const again = await r.models.applyRetention({ keep: 2, taskId: task });
    assert.deepEqual([again.retired, again.blobsDeleted, again.bytesFreed], [[], [], 0]);
  });

  it('rejects a negative keep', async () => {
    await rejectsWith(new Registry(ctx.store).models.applyRetention({ keep: -1 }), 'INVALID_ARGUMENT', 'keep');
  });
});
