import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from '../../src/registry/index.ts';
import { forEachBackend } from '../store/backends.ts';
import { rejectsWith } from '../store/assertions.ts';
import { blob, modelInput, newTask } from './helpers.ts';

forEachBackend('registry: load and decode while the checksum runs', (ctx) => {
  const registry = () => new Registry(ctx.store);

  it('hands back the decoded model of intact bytes, and the decoder error of undecodable ones', async () => {
    const task = await newTask(ctx);
    const input = modelInput(task, { blob: blob(3 << 20) });
    const model = await registry().models.register(input);
    const { model: row, value } = await registry().models.loadDecoded(model.id, (bytes) => Buffer.from(bytes).equals(Buffer.from(input.blob)));
    assert.equal(row.id, model.id);
    assert.equal(value, true);
    await assert.rejects(
      registry().models.loadDecoded(model.id, () => {
        throw new Error('not a model file');
      }),
      /not a model file/,
    );
    assert.equal((await registry().models.get(model.id)).status, 'candidate');
  });

  it('never returns what it decoded from tampered bytes: CHECKSUM_MISMATCH, model quarantined', async () => {
    const task = await newTask(ctx);
    const model = await registry().models.register(modelInput(task));
    const tampered = (await ctx.store.models.getBlob(model.id))!.slice();
    tampered[3] ^= 0x01;
    await ctx.store.transaction(async (tx) => {
      await tx.models.deleteBlobs([model.id]);
      await tx.models.putBlob(model.id, tampered);
    });
    let decoded = 0;
    // Even a decoder that fails on the damage reports the checksum, the cause that matters.
    await rejectsWith(
      registry().models.loadDecoded(model.id, () => {
        decoded++;
        throw new Error('garbled');
      }),
      'CHECKSUM_MISMATCH',
      'blob',
      /quarantined/,
    );
    assert.equal(decoded, 1);
    assert.equal((await registry().models.get(model.id)).status, 'quarantined');
    await rejectsWith(registry().models.loadDecoded(model.id, () => 1), 'INVALID_STATE', 'id', /quarantined/);
    await rejectsWith(registry().models.loadDecoded(987_654, () => 1), 'NOT_FOUND', 'id');
    await rejectsWith(registry().models.loadDecoded(model.id, 'nope' as never), 'INVALID_ARGUMENT', 'decode');
  });
});
