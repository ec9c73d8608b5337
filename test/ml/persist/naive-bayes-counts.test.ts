import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CuratorError } from '../../../src/ml/errors.ts';
import { decodeModelState, encodeModelState, loadModel, saveModel } from '../../../src/ml/persist/model-file.ts';
import { ComplementNB } from '../../../src/ml/naive-bayes/complement-nb.ts';
import { MultinomialNB } from '../../../src/ml/naive-bayes/multinomial-nb.ts';
import { TfidfVectorizer } from '../../../src/ml/text/tfidf-vectorizer.ts';
import { docsByKey, readFixture } from '../../helpers/fixtures.ts';

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

// Real tf-idf counts: enough terms that the counts are saved packed (distinct values + codes).
const raw = readFixture<Record<string, { keys: string[]; y: string[]; train: number[]; test: number[] }>>('inputs.json')['binary']!;
const docs = docsByKey(raw.keys).map((r) => r.text);
const vec = new TfidfVectorizer().fit(raw.train.map((i) => docs[i]!));
const first = raw.train.filter((_, k) => k % 2 === 0);
const second = raw.train.filter((_, k) => k % 2 === 1);
const X1 = vec.transform(first.map((i) => docs[i]!));
const X2 = vec.transform(second.map((i) => docs[i]!));
const y1 = first.map((i) => raw.y[i]!);
const y2 = second.map((i) => raw.y[i]!);
const Xtest = vec.transform(raw.test.map((i) => docs[i]!));

for (const Cls of [MultinomialNB, ComplementNB]) {
  test(`${Cls.name}: counts saved as distinct values + codes load bit-exactly, and partialFit continues from them`, () => {
    const m = new Cls().partialFit(X1, y1, ['ham', 'spam']);
    const state = m.toState();
    assert.equal(state.arrays['featureCount'], undefined);
    assert.ok(state.arrays['featureCountCodes'] instanceof Uint16Array || state.arrays['featureCountCodes'] instanceof Uint8Array);
    const bytes = saveModel(m);
    const loaded = loadModel(bytes, { expect: Cls.name as 'MultinomialNB' }) as InstanceType<typeof Cls>;
    assert.deepEqual(bits(loaded.predictProba(Xtest).data), bits(m.predictProba(Xtest).data));
    // saved again before the counts were ever unpacked: the same file
    assert.deepEqual(saveModel(loaded), bytes);
    assert.deepEqual(bits(loaded.featureCount), bits(m.featureCount));
    loaded.partialFit(X2, y2);
    m.partialFit(X2, y2);
    assert.deepEqual(bits(loaded.featureCount), bits(m.featureCount));
    assert.deepEqual(bits(loaded.predictProba(Xtest).data), bits(m.predictProba(Xtest).data));
  });
}

test('packed counts: a code past the table is MODEL_FILE_CORRUPT when the counts are needed; a missing part at load', () => {
  const state = decodeModelState(encodeModelState(new MultinomialNB().fit(X1, y1).toState()), { copy: true });
  const codes = state.arrays['featureCountCodes']!;
  codes[5] = (state.arrays['featureCountTable']!.length + 1) % (codes instanceof Uint8Array ? 256 : 65536);
  const m = MultinomialNB.fromState(state);
  assert.ok(m.predict(Xtest).length > 0, 'predicting needs only the weights');
  assert.throws(() => m.featureCount, (e) => e instanceof CuratorError && e.code === 'MODEL_FILE_CORRUPT' && /points past/.test(e.message));
  const { featureCountTable: _t, ...noTable } = state.arrays;
  const { featureCountCodes: _c, ...noCodes } = state.arrays;
  for (const arrays of [noCodes, { ...noTable, featureCountCodes: codes }]) {
    assert.throws(() => MultinomialNB.fromState({ ...state, arrays }), (e) => e instanceof CuratorError && e.code === 'MODEL_FILE_CORRUPT' && /featureCount/.test(e.message));
  }
});
