import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from '../../src/registry/index.ts';
import { forEachBackend } from '../store/backends.ts';
import { rejectsWith } from '../store/assertions.ts';
import { blob, modelInput, newTask } from './helpers.ts';

forEachBackend('registry: load, verify, then decode', (ctx) => {
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

  it('never decodes tampered bytes: CHECKSUM_MISMATCH, model quarantined', async () => {
    const task = await newTask(ctx);
    const model = await registry().models.register(modelInput(task));
    const tampered = (await ctx.store.models.getBlob(model.id))!.slice();
    tampered[3] ^= 0x01;
    await ctx.store.transaction(async (tx) => {
      await tx.models.deleteBlobs([model.id]);
      await tx.models.putBlob(model.id, tampered);
    });
    let decoded = 0;
    await rejectsWith(
      registry().models.loadDecoded(model.id, () => {
        decoded++;
        throw new Error('garbled');
      }),
      'CHECKSUM_MISMATCH',
      'blob',
      /quarantined/,
    );
    assert.equal(decoded, 0, 'the decoder never sees bytes that failed their checksum');
    assert.equal((await registry().models.get(model.id)).status, 'quarantined');
    await rejectsWith(registry().models.loadDecoded(model.id, () => 1), 'INVALID_STATE', 'id', /quarantined/);
    await rejectsWith(registry().models.loadDecoded(987_654, () => 1), 'NOT_FOUND', 'id');
    await rejectsWith(registry().models.loadDecoded(model.id, 'nope' as never), 'INVALID_ARGUMENT', 'decode');
  });

  // The registered size is only a hint to the reader: stored bytes of another length still
  // arrive whole, and the checksum (not the reader) rejects them.
  for (const [change, edit] of [
    ['longer', (b: Uint8Array) => Buffer.concat([b, Buffer.from('tail')])],
    ['shorter', (b: Uint8Array) => b.subarray(0, b.byteLength - 70_000)],
  ] as const) {
    it(`rejects a stored blob ${change} than registered, on load and on loadDecoded`, async () => {
      for (const how of ['load', 'loadDecoded'] as const) {
        const task = await newTask(ctx);
        const model = await registry().models.register(modelInput(task, { blob: blob(200_000) }));
        const replaced = new Uint8Array(edit((await ctx.store.models.getBlob(model.id))!));
        await ctx.store.transaction(async (tx) => {
          await tx.models.deleteBlobs([model.id]);
          await tx.models.putBlob(model.id, replaced);
        });
        const seen: Uint8Array[] = [];
        const back = await ctx.store.models.getBlob(model.id, { sizeHint: model.blobSize, onBytes: (c) => seen.push(c.slice()) });
        assert.ok(Buffer.from(back!).equals(Buffer.from(replaced)), 'the reader returns the stored bytes, not the registered size');
        assert.ok(Buffer.concat(seen).equals(Buffer.from(replaced)), 'onBytes saw every stored byte, in order');
        const attempt = how === 'load' ? registry().models.load(model.id) : registry().models.loadDecoded(model.id, () => 1);
        await rejectsWith(attempt, 'CHECKSUM_MISMATCH', 'blob', new RegExp(`${replaced.byteLength} bytes stored, 200000 registered`));
        assert.equal((await registry().models.get(model.id)).status, 'quarantined');
      }
    });
  }

  it('hands intact bytes to a blob reader piece by piece, exactly once and in order, as views of the value being filled', async () => {
    const task = await newTask(ctx);
    const input = modelInput(task, { blob: blob((1 << 20) + 3) });
    const model = await registry().models.register(input);
    const seen: Uint8Array[] = [];
    const values = new Set<Uint8Array>();
    const back = await ctx.store.models.getBlob(model.id, {
      onBytes: (c, value) => {
        seen.push(c.slice());
        values.add(value);
        // The piece is a view of the value being filled, at its place, and the bytes up to it are final.
        const at = c.byteOffset - value.byteOffset;
        assert.equal(c.buffer, value.buffer);
        assert.equal(value.length, input.blob.length);
        assert.ok(Buffer.from(value.subarray(0, at + c.length)).equals(Buffer.from(input.blob.subarray(0, at + c.length))));
      },
    });
    assert.ok(Buffer.from(back!).equals(Buffer.from(input.blob)));
    assert.ok(Buffer.concat(seen).equals(Buffer.from(input.blob)));
    assert.equal(values.size, 1, 'one value');
    assert.ok(values.has(back!), 'the very array returned (a reader that started on it can tell)');
    // Streaming stores hand over pieces while the rest is in flight; the others, one piece after the read.
    if (ctx.store.capabilities.streamsBytes) assert.ok(seen.length > 1, `${seen.length} piece(s)`);
    else assert.equal(seen.length, 1);
    assert.equal(await ctx.store.models.getBlob(987_654, { onBytes: () => assert.fail('no bytes for a missing blob') }), undefined);
  });
});
