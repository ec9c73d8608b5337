import assert from 'node:assert/strict';
import { it, test } from 'node:test';
import { blake3OfBytes, Registry, sha256OfBytes } from '../../src/registry/index.ts';
import { forEachBackend } from '../store/backends.ts';
import { rejectsWith } from '../store/assertions.ts';
import { blob, modelInput, newTask } from './helpers.ts';

forEachBackend('registry: register and load', (ctx) => {
  const registry = () => new Registry(ctx.store);

  it('registers the row, blob and evaluations, and loads the same bytes back', async () => {
    const task = await newTask(ctx);
    const input = modelInput(task, { blob: blob(100_000), createdBy: 'trainer-1' });
    const model = await registry().models.register(input);
    assert.equal(model.taskId, task);
    assert.equal(model.status, 'candidate');
    assert.deepEqual(model.scope, { kind: 'global' });
    assert.deepEqual(model.hyperparameters, { alpha: 0.5, fitPrior: true });
    assert.equal(model.blobSha256, sha256OfBytes(input.blob));
    assert.equal(model.blobBlake3, blake3OfBytes(input.blob));
    assert.equal(model.blobSize, 100_000);
    assert.equal(model.buildTimeMs, 12.5);
    assert.equal(model.score, 0.9);
    assert.deepEqual(await registry().models.get(model.id), model);

    const loaded = await registry().models.load(model.id);
    assert.ok(Buffer.from(loaded.bytes).equals(Buffer.from(input.blob)));
    const evaluations = await registry().models.evaluations(model.id);
    assert.deepEqual(evaluations, [...input.evaluations!].sort((a, b) => a.metric.localeCompare(b.metric)));
  });

  it('refuses a duplicate registration (same blob, task and scope), but not the same blob in another scope', async () => {
    const task = await newTask(ctx);
    const user = ctx.unique('user');
    await ctx.store.corpus.createUser(user);
    const input = modelInput(task);
    const first = await registry().models.register(input);
    await rejectsWith(registry().models.register(input), 'ALREADY_EXISTS', 'blob', new RegExp(`model ${first.id}`));
    const mine = await registry().models.register({ ...input, scope: { kind: 'user', userId: user } });
    assert.notEqual(mine.id, first.id);
  });

  it('rejects broken references with INVALID_REFERENCE and unknown ids with NOT_FOUND', async () => {
    const task = await newTask(ctx);
    const other = await newTask(ctx);
    const r = registry();
    await rejectsWith(r.models.register(modelInput(ctx.unique('ghost'))), 'INVALID_REFERENCE', 'taskId');
    await rejectsWith(r.models.register(modelInput(task, { snapshotId: 987_654 })), 'INVALID_REFERENCE', 'snapshotId');
    await rejectsWith(r.models.register(modelInput(task, { parentId: 987_654 })), 'INVALID_REFERENCE', 'parentId');
    await rejectsWith(r.models.register(modelInput(task, { jobId: 987_654 })), 'INVALID_REFERENCE');
    await rejectsWith(r.models.register(modelInput(task, { scope: { kind: 'group', groupId: ctx.unique('nogroup') } })), 'INVALID_REFERENCE', 'scope.groupId');
    const foreignParent = await r.models.register(modelInput(other));
    await rejectsWith(r.models.register(modelInput(task, { parentId: foreignParent.id })), 'INVALID_REFERENCE', 'parentId', /belongs to task/);
    await rejectsWith(r.models.get(987_654), 'NOT_FOUND', 'id');
    await rejectsWith(r.models.load(987_654), 'NOT_FOUND', 'id');
    await rejectsWith(r.models.evaluations(987_654), 'NOT_FOUND', 'id');
    await rejectsWith(r.models.retire(987_654), 'NOT_FOUND', 'id');
    assert.equal(await r.models.count({ taskId: task }), 0);
  });

  it('rejects bad input at the boundary, naming the field', async () => {
    const task = await newTask(ctx);
    const r = registry();
    await rejectsWith(r.models.register(modelInput(task, { blob: new Uint8Array(0) })), 'INVALID_ARGUMENT', 'blob');
    await rejectsWith(r.models.register(modelInput(task, { blob: 'bytes' as never })), 'INVALID_ARGUMENT', 'blob');
    await rejectsWith(r.models.register(modelInput(task, { estimator: '' })), 'INVALID_ARGUMENT', 'estimator');
    await rejectsWith(r.models.register(modelInput(task, { buildTimeMs: -1 })), 'INVALID_ARGUMENT', 'buildTimeMs');
    await rejectsWith(r.models.register(modelInput(task, { score: Number.NaN })), 'INVALID_ARGUMENT', 'score');
    await rejectsWith(r.models.register(modelInput(task, { formatVersion: 1.5 })), 'INVALID_ARGUMENT', 'formatVersion');
    await rejectsWith(r.models.register(modelInput(task, { hyperparameters: { alpha: Infinity } })), 'INVALID_ARGUMENT', 'hyperparameters.alpha');
    await rejectsWith(r.models.register(modelInput(task, { scope: { kind: 'team' } as never })), 'INVALID_ARGUMENT', 'scope.kind');
    await rejectsWith(
      r.models.register(modelInput(task, { evaluations: [{ metric: 'f1', label: null, mean: 0.5, std: 0.1, foldValues: [0.5, Number.NaN] }] })),
      'INVALID_ARGUMENT',
      'evaluations[0].foldValues[1]',
    );
    assert.equal(await r.models.count({ taskId: task }), 0);
  });

  for (const step of ['model', 'blob', 'evaluations'] as const) {
    it(`leaves no trace when a registration fails after the ${step} step`, async () => {
      const task = await newTask(ctx);
      const bytesBefore = await ctx.store.models.storedBlobBytes();
      await assert.rejects(
        registry().models.register(modelInput(task, { blob: blob(50_000) }), {
          afterStep: (s) => {
            if (s === step) throw new Error(`injected failure after ${s}`);
          },
        }),
        /injected failure/,
      );
      assert.equal(await registry().models.count({ taskId: task }), 0);
      assert.equal(await ctx.store.models.storedBlobBytes(), bytesBefore);
    });
  }

  it('leaves no trace when an evaluation row violates a constraint halfway through', async () => {
    const task = await newTask(ctx);
    const bytesBefore = await ctx.store.models.storedBlobBytes();
    let modelId = 0;
    const twice = { metric: 'accuracy', label: null, mean: 0.9, std: 0, foldValues: [0.9] };
    await rejectsWith(
      registry().models.register(modelInput(task, { evaluations: [twice, twice] }), { afterStep: (_s, m) => void (modelId = m.id) }),
      'ALREADY_EXISTS',
      'evaluations',
    );
    assert.ok(modelId > 0, 'the model row was written before the failure');
    assert.equal(await ctx.store.models.get(modelId), undefined);
    assert.equal(await ctx.store.models.getBlob(modelId), undefined);
    assert.deepEqual(await ctx.store.models.evaluations(modelId), []);
    assert.equal(await ctx.store.models.storedBlobBytes(), bytesBefore);
  });

  it('detects a tampered blob on load: coded error, model quarantined, bytes never returned', async () => {
    const task = await newTask(ctx);
    const r = registry();
    const model = await r.models.register(modelInput(task));
    const tampered = (await ctx.store.models.getBlob(model.id))!.slice();
    tampered[10] ^= 0xff;
    // Tamper below the registry, as a disk fault or an intruder would.
    await ctx.store.transaction(async (tx) => {
      await tx.models.deleteBlobs([model.id]);
      await tx.models.putBlob(model.id, tampered);
    });
    await rejectsWith(r.models.load(model.id), 'CHECKSUM_MISMATCH', 'blob', /quarantined/);
    assert.equal((await r.models.get(model.id)).status, 'quarantined');
    await rejectsWith(r.models.load(model.id), 'INVALID_STATE', 'id', /quarantined/);
    await rejectsWith(r.promotions.promote({ taskId: task, modelId: model.id, actor: 'a', reason: 'r' }), 'INVALID_STATE');
  });

  it('rolls the scope back to the previous good model when the active one fails its checksum', async () => {
    const task = await newTask(ctx);
    const r = registry();
    const good = await r.models.register(modelInput(task));
    const bad = await r.models.register(modelInput(task));
    await r.promotions.promote({ taskId: task, modelId: good.id, actor: 'ana', reason: 'first' });
    await r.promotions.promote({ taskId: task, modelId: bad.id, actor: 'ana', reason: 'better' });
    await ctx.store.transaction(async (tx) => {
      await tx.models.deleteBlobs([bad.id]);
      await tx.models.putBlob(bad.id, blob(10));
    });
    await rejectsWith(r.models.load(bad.id), 'CHECKSUM_MISMATCH');
    assert.equal((await r.promotions.activeAt(task))?.id, good.id);
    const last = (await r.promotions.history(task)).at(-1)!;
    assert.deepEqual([last.action, last.modelId, last.previousModelId, last.actor], ['rollback', good.id, bad.id, 'curator']);
  });

  it('registers and loads a 10 MB blob intact', async () => {
    const task = await newTask(ctx);
    const big = blob(10 << 20);
    const model = await registry().models.register(modelInput(task, { blob: big }));
    const { bytes } = await registry().models.load(model.id);
    assert.equal(bytes.byteLength, big.byteLength);
    assert.equal(sha256OfBytes(bytes), sha256OfBytes(big));
  });
});

test('blake3OfBytes is BLAKE3 (the reference test vectors)', () => {
  assert.equal(blake3OfBytes(new Uint8Array(0)), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
  assert.equal(blake3OfBytes(Buffer.from('abc')), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
  // A view into a larger buffer hashes its own bytes only.
  const b = Buffer.from('xxabcxx');
  assert.equal(blake3OfBytes(new Uint8Array(b.buffer, b.byteOffset + 2, 3)), blake3OfBytes(Buffer.from('abc')));
});
