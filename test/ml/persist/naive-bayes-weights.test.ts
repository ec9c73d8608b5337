import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CuratorError } from '../../../src/ml/errors.ts';
import { decodeModelState, encodeModelState, loadModel, saveModel } from '../../../src/ml/persist/model-file.ts';
import { ComplementNB } from '../../../src/ml/naive-bayes/complement-nb.ts';
import { MultinomialNB } from '../../../src/ml/naive-bayes/multinomial-nb.ts';
import { TfidfVectorizer } from '../../../src/ml/text/tfidf-vectorizer.ts';
import { docsByKey, readFixture } from '../../helpers/fixtures.ts';

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

// Real tf-idf counts: enough terms that the counts are saved packed, so the weights can go by count.
const raw = readFixture<Record<string, { keys: string[]; y: string[]; train: number[]; test: number[] }>>('inputs.json')['binary']!;
const docs = docsByKey(raw.keys).map((r) => r.text);
const vec = new TfidfVectorizer().fit(raw.train.map((i) => docs[i]!));
const X = vec.transform(raw.train.map((i) => docs[i]!));
const y = raw.train.map((i) => raw.y[i]!);
const Xtest = vec.transform(raw.test.map((i) => docs[i]!));

test('MultinomialNB: weights saved per class and distinct count load without a k × d array and predict bit-identically', () => {
  const m = new MultinomialNB({ alpha: 0.3 }).fit(X, y);
  const state = m.toState();
  assert.equal(state.arrays['featureLogProb'], undefined);
  const byCount = state.arrays['featureLogProbByCount'];
  assert.ok(byCount instanceof Float64Array);
  assert.equal(byCount.length, 2 * state.arrays['featureCountTable']!.length);
  const bytes = saveModel(m);
  const { featureLogProbByCount: _w, ...counts } = state.arrays;
  const withPlainWeights = encodeModelState({ ...state, arrays: { ...counts, featureLogProb: m.featureLogProb } });
  assert.ok(bytes.byteLength < withPlainWeights.byteLength, `${bytes.byteLength} bytes by count against ${withPlainWeights.byteLength}`);
  const loaded = loadModel(bytes, { expect: 'MultinomialNB' });
  for (const method of ['predictJointLogProba', 'predictLogProba', 'predictProba'] as const) {
    assert.deepEqual(bits(loaded[method](Xtest).data), bits(m[method](Xtest).data), method);
  }
  assert.deepEqual(loaded.predict(Xtest), m.predict(Xtest));
  // The same file loaded with plain weights predicts the same bits too.
  const plain = loadModel(withPlainWeights, { expect: 'MultinomialNB' });
  assert.deepEqual(bits(plain.predictProba(Xtest).data), bits(loaded.predictProba(Xtest).data));
  // The getter builds the weights on demand, exactly.
  assert.deepEqual(bits(loaded.featureLogProb), bits(m.featureLogProb));
  assert.deepEqual(saveModel(loaded), bytes, 'saved again: the same file');
});

test('ComplementNB keeps its weights whole: they depend on the other classes’ counts, not only on their own', () => {
  const state = new ComplementNB().fit(X, y).toState();
  assert.ok(state.arrays['featureCountCodes'] !== undefined, 'the counts are packed');
  assert.equal(state.arrays['featureLogProbByCount'], undefined);
  assert.ok(state.arrays['featureLogProb'] instanceof Float64Array);
});

test('weights by count: a section of the wrong size, or without the counts’ codes, or beside plain weights is MODEL_FILE_CORRUPT', () => {
  const m = new MultinomialNB().fit(X, y);
  const state = decodeModelState(encodeModelState(m.toState()), { copy: true });
  const byCount = state.arrays['featureLogProbByCount'] as Float64Array;
  const { featureCountTable: _t, featureCountCodes: _c, ...noCodes } = state.arrays;
  const bad = [
    { ...state.arrays, featureLogProbByCount: byCount.subarray(1) },
    { ...state.arrays, featureLogProbByCount: new Float32Array(byCount.length) },
    { ...noCodes, featureCount: m.featureCount },
    { ...state.arrays, featureLogProb: m.featureLogProb },
  ];
  for (const arrays of bad) {
    assert.throws(
      () => MultinomialNB.fromState({ ...state, arrays }),
      (e) => e instanceof CuratorError && e.code === 'MODEL_FILE_CORRUPT' && /featureLogProbByCount/.test(e.message),
    );
  }
});
