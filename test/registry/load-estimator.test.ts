import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadModel, MODEL_FILE_VERSION, saveModel } from '../../src/ml/persist/model-file.ts';
import { MultinomialNB } from '../../src/ml/naive-bayes/multinomial-nb.ts';
import { Pipeline } from '../../src/ml/pipeline/pipeline.ts';
import { TfidfVectorizer } from '../../src/ml/text/tfidf-vectorizer.ts';
import { Registry } from '../../src/registry/index.ts';
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

forEachBackend('registry: loadEstimator (SHA-256 verified, CRC-32 skipped)', (ctx) => {
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

  it('an intact blob that is no model file is its MODEL_FILE_* error, and the model stays as it was', async () => {
    const task = await newTask(ctx);
    const model = await registry().models.register(modelInput(task, { blob: blob(4096) }));
    await rejectsWith(registry().models.loadEstimator(model.id), 'MODEL_FILE_FOREIGN');
    assert.equal((await registry().models.get(model.id)).status, 'candidate');
    await rejectsWith(registry().models.loadEstimator(987_654), 'NOT_FOUND', 'id');
  });
});
