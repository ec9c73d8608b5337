import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { it } from 'node:test';
import { loadModel, MODEL_FILE_VERSION, saveModel } from '../../src/ml/persist/model-file.ts';
import { MultinomialNB } from '../../src/ml/naive-bayes/multinomial-nb.ts';
import { Pipeline } from '../../src/ml/pipeline/pipeline.ts';
import { TfidfVectorizer } from '../../src/ml/text/tfidf-vectorizer.ts';
import { readModelHeader } from '../../src/ml/persist/model-file.ts';
import { storedBytes } from '../../src/ml/persist/section-codecs.ts';
import { loadSpamCorpus } from '../../src/demo/spam-corpus.ts';
import { defaultCandidates } from '../../src/ml/default-candidates.ts';
import { Registry, sha256OfBytes } from '../../src/registry/index.ts';
import { forEachBackend } from '../store/backends.ts';
import { rejectsWith } from '../store/assertions.ts';
import { blob, modelInput, newTask } from './helpers.ts';

const TEXTS = ['cheap meds now', 'win money fast', 'lunch at noon?', 'the meeting notes', 'free money meds', 'notes from lunch'];
const LABELS = ['spam', 'spam', 'ham', 'ham', 'spam', 'ham'];
const PROBE = ['money for meds', 'lunch notes', 'nothing known here'];

/** A real model file: the CRC-32 the registry lets the loader skip is really there. */
function modelFile(): { bytes: Uint8Array; expected: string[] } {
  const pipe = new Pipeline([
    ['tfidf', new TfidfVectorizer()],
    ['clf', new MultinomialNB()],
  ]).fit(TEXTS, LABELS);
  return { bytes: saveModel(pipe), expected: pipe.predict(PROBE) };
}

/**
 * A model file of ~300 KB: on PostgreSQL it arrives in several 64 KiB slices, and the registry's
 * ModelFileReader rebuilds its encoded sections (written first) before the last slice is in.
 */
function biggerModelFile(): { bytes: Uint8Array; probe: string[]; expected: string[] } {
  const corpus = loadSpamCorpus();
  const train = [...corpus.filter((r) => r.label === 'spam').slice(0, 150), ...corpus.filter((r) => r.label !== 'spam').slice(0, 150)];
  const pipe = defaultCandidates()
    .find((c) => c.name === 'LinearSVC+tfidf')!
    .make()
    .fit(
      train.map((r) => r.text),
      train.map((r) => r.label),
    );
  const probe = corpus.slice(2000, 2100).map((r) => r.text);
  return { bytes: saveModel(pipe), probe, expected: pipe.predict(probe) };
}
const bigger = biggerModelFile();

forEachBackend('registry: loadEstimator (recorded hash verified, CRC-32 skipped)', (ctx) => {
  const registry = () => new Registry(ctx.store);

  it('loads a registered model file ready to predict', async () => {
    const task = await newTask(ctx);
    const { bytes, expected } = modelFile();
    const model = await registry().models.register(modelInput(task, { blob: bytes, formatVersion: MODEL_FILE_VERSION }));
    const { model: row, estimator } = await registry().models.loadEstimator(model.id, { expect: 'Pipeline' });
    assert.equal(row.id, model.id);
    assert.ok(estimator instanceof Pipeline);
    assert.deepEqual(estimator.predict(PROBE), expected);
    await rejectsWith(registry().models.loadEstimator(model.id, { expect: 'VotingClassifier' }), 'MODEL_FILE_KIND', 'kind');
    assert.equal((await registry().models.get(model.id)).status, 'candidate');
  });

  it('still catches damaged bytes with the CRC-32 skipped: CHECKSUM_MISMATCH, quarantined', async () => {
    const task = await newTask(ctx);
    const { bytes } = modelFile();
    const model = await registry().models.register(modelInput(task, { blob: bytes, formatVersion: MODEL_FILE_VERSION }));
    // A flip in the CRC-32 trailer: the only check a loader told 'verified' would not make.
    const tampered = bytes.slice();
    tampered[tampered.length - 8]! ^= 0x10;
    assert.deepEqual(loadModel(tampered, { expect: 'Pipeline', checksum: 'verified' }).predict(PROBE), modelFile().expected);
    await ctx.store.transaction(async (tx) => {
      await tx.models.deleteBlobs([model.id]);
      await tx.models.putBlob(model.id, tampered);
    });
    await rejectsWith(registry().models.loadEstimator(model.id), 'CHECKSUM_MISMATCH', 'blob', /quarantined/);
    assert.equal((await registry().models.get(model.id)).status, 'quarantined');
    await rejectsWith(registry().models.loadEstimator(model.id), 'INVALID_STATE', 'id', /quarantined/);
  });

  it('a model file of several slices loads bit for bit; damage inside its encoded sections is CHECKSUM_MISMATCH, no model', async () => {
    const task = await newTask(ctx);
    assert.ok(bigger.bytes.length > 4 * 65_536, `${bigger.bytes.length} bytes`);
    const model = await registry().models.register(modelInput(task, { blob: bigger.bytes, formatVersion: MODEL_FILE_VERSION }));
    const { estimator } = await registry().models.loadEstimator(model.id, { expect: 'Pipeline' });
    assert.deepEqual(estimator.predict(bigger.probe), bigger.expected);
    assert.ok(Buffer.from(saveModel(estimator)).equals(Buffer.from(bigger.bytes)), 'saved again, the same bytes');

    // One bit of the term slots (an encoded section, rebuilt while the rest arrives), with the
    // file's own CRC-32 fixed up so only the registry's hash can tell.
    const header = readModelHeader(bigger.bytes);
    const slots = header.sections.find((s) => s.name === 'steps.0.termSlots')!;
    assert.equal(slots.encoding?.codec, 'sparse');
    const dataStart = Math.ceil((24 + new DataView(bigger.bytes.buffer, bigger.bytes.byteOffset).getUint32(12, true)) / 8) * 8;
    const tampered = bigger.bytes.slice();
    tampered[dataStart + slots.offset + storedBytes(slots.dtype, slots.length, slots.encoding) - 70]! ^= 0x01;
    new DataView(tampered.buffer).setUint32(tampered.length - 8, crc32(tampered.subarray(0, tampered.length - 8)), true);
    assert.ok(!Buffer.from(saveModel(loadModel(tampered))).equals(Buffer.from(bigger.bytes)), 'a valid model file, with other weights');
    const other = await registry().models.register(modelInput(await newTask(ctx), { blob: bigger.bytes, formatVersion: MODEL_FILE_VERSION }));
    await ctx.store.transaction(async (tx) => {
      await tx.models.deleteBlobs([other.id]);
      await tx.models.putBlob(other.id, tampered);
    });
    await rejectsWith(registry().models.loadEstimator(other.id, { expect: 'Pipeline' }), 'CHECKSUM_MISMATCH', 'blob', /BLAKE3.*quarantined/);
    assert.equal((await registry().models.get(other.id)).status, 'quarantined');
  });

  it('a model registered before BLAKE3 was recorded loads, checked against its SHA-256, and is caught when damaged', async () => {
    const { bytes, expected } = modelFile();
    const insert = async (blobBytes: Uint8Array) => {
      const task = await newTask(ctx);
      return ctx.store.transaction(async (tx) => {
        const row = await tx.models.insert({
          taskId: task, scope: { kind: 'global' }, estimator: 'MultinomialNB+tfidf', hyperparameters: {}, buildTimeMs: 1, score: 0.9,
          scoreMetric: 'f1_macro', formatVersion: MODEL_FILE_VERSION, blobSha256: sha256OfBytes(bytes), blobBlake3: null,
          blobSize: bytes.length, snapshotId: null, jobId: null, parentId: null, status: 'candidate', createdBy: null, createdAt: new Date(),
        });
        await tx.models.putBlob(row.id, blobBytes);
        return row;
      });
    };
    const legacy = await insert(bytes);
    assert.equal(legacy.blobBlake3, null);
    const { estimator } = await registry().models.loadEstimator(legacy.id, { expect: 'Pipeline' });
    assert.deepEqual(estimator.predict(PROBE), expected);
    assert.ok(Buffer.from((await registry().models.load(legacy.id)).bytes).equals(Buffer.from(bytes)));

    const damaged = bytes.slice();
    damaged[damaged.length >> 1]! ^= 0x08;
    const broken = await insert(damaged);
    await rejectsWith(registry().models.loadEstimator(broken.id), 'CHECKSUM_MISMATCH', 'blob', /SHA-256.*quarantined/);
    assert.equal((await registry().models.get(broken.id)).status, 'quarantined');
  });

  it('an intact blob that is no model file is its MODEL_FILE_* error, and the model stays as it was', async () => {
    const task = await newTask(ctx);
    const model = await registry().models.register(modelInput(task, { blob: blob(4096) }));
    await rejectsWith(registry().models.loadEstimator(model.id), 'MODEL_FILE_FOREIGN');
    assert.equal((await registry().models.get(model.id)).status, 'candidate');
    await rejectsWith(registry().models.loadEstimator(987_654), 'NOT_FOUND', 'id');
  });
});
