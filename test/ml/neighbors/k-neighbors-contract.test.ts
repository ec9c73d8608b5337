import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CuratorError } from '../../../src/ml/errors.ts';
import { KNeighborsClassifier } from '../../../src/ml/neighbors/k-neighbors-classifier.ts';
import { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';
import { loadInputs } from '../../helpers/inputs.ts';

const X = CsrMatrix.fromDense([
  [1, 0, 0],
  [0.9, 0.1, 0],
  [0, 1, 0],
  [0, 0.8, 0.3],
  [0, 0, 0],
]);
const y = ['a', 'a', 'b', 'b', 'b'];

function rejects(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CuratorError, `expected CuratorError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('KNeighborsClassifier bad input', () => {
  it('rejects X/y length mismatch', () => rejects(() => new KNeighborsClassifier({ nNeighbors: 1 }).fit(X, ['a', 'b']), 'SHAPE_MISMATCH', /5 rows but y has 2 labels/));
  it('rejects a single class', () => rejects(() => new KNeighborsClassifier({ nNeighbors: 1 }).fit(X, ['a', 'a', 'a', 'a', 'a']), 'SINGLE_CLASS', /single class/));
  it('rejects NaN and Infinity features', () => {
    rejects(() => new KNeighborsClassifier({ nNeighbors: 1 }).fit(CsrMatrix.fromDense([[NaN, 1], [1, 0]]), ['a', 'b']), 'INVALID_FEATURES', /NaN at row 0/);
    const m = new KNeighborsClassifier({ nNeighbors: 1 }).fit(X, y);
    rejects(() => m.predict(CsrMatrix.fromDense([[0, -Infinity, 0]])), 'INVALID_FEATURES', /-Infinity at row 0, column 1/);
  });
  it('rejects an unknown param', () => rejects(() => new KNeighborsClassifier({ k: 3 } as never), 'UNKNOWN_PARAM', /no parameter 'k'/));
  it('rejects out-of-range params', () => {
    rejects(() => new KNeighborsClassifier({ nNeighbors: 0 }), 'INVALID_PARAM', /'nNeighbors' parameter of KNeighborsClassifier must be an int ≥ 1. Got 0/);
    rejects(() => new KNeighborsClassifier({ nNeighbors: 2.5 }), 'INVALID_PARAM', /'nNeighbors'/);
    rejects(() => new KNeighborsClassifier({ metric: 'manhattan' as never }), 'INVALID_PARAM', /'metric' parameter .* one of "cosine", "euclidean"/);
    rejects(() => new KNeighborsClassifier({ weights: 'rank' as never }), 'INVALID_PARAM', /'weights'/);
  });
  it('rejects nNeighbors larger than the training set, naming nNeighbors (at fit and after setParams)', () => {
    rejects(() => new KNeighborsClassifier({ nNeighbors: 6 }).fit(X, y), 'INVALID_PARAM', /nNeighbors is 6, but there are only 5 training samples/);
    const m = new KNeighborsClassifier({ nNeighbors: 5 }).fit(X, y).setParams({ nNeighbors: 9 });
    assert.throws(() => m.predict(X), (e: unknown) => e instanceof CuratorError && e.field === 'nNeighbors');
  });
  it('throws NOT_FITTED before fit, naming the method', () => {
    rejects(() => new KNeighborsClassifier().predict(X), 'NOT_FITTED', /predict\(\)/);
    rejects(() => new KNeighborsClassifier().predictProba(X), 'NOT_FITTED', /predictProba\(\)/);
    rejects(() => new KNeighborsClassifier().kneighbors(X), 'NOT_FITTED', /kneighbors\(\)/);
    rejects(() => new KNeighborsClassifier().toState(), 'NOT_FITTED', /toState\(\)/);
  });
  it('rejects a predict input of the wrong width', () => {
    rejects(() => new KNeighborsClassifier({ nNeighbors: 1 }).fit(X, y).predict(CsrMatrix.fromDense([[1, 2]])), 'SHAPE_MISMATCH', /2 features, but the model was fitted with 3/);
  });
});

describe('KNeighborsClassifier rules (scikit-learn semantics)', () => {
  it('cosine: a zero row is at distance 1 from everything, in either role', () => {
    const m = new KNeighborsClassifier({ nNeighbors: 5, metric: 'cosine' }).fit(X, y);
    const zero = new CsrMatrix(1, 3, new Int32Array([0, 0]), new Int32Array(0), new Float64Array(0));
    assert.deepEqual(Array.from(m.kneighbors(zero).distances.data), [1, 1, 1, 1, 1]);
    // training row 4 is the zero row: its distance to any query is 1
    const nb = m.kneighbors(CsrMatrix.fromDense([[0, 0, 1]]));
    const at = Array.from(nb.indices).indexOf(4);
    assert.equal(nb.distances.data[at], 1);
  });
  it("weights='distance': a zero-distance neighbour outvotes all others", () => {
    const m = new KNeighborsClassifier({ nNeighbors: 3, weights: 'distance' }).fit(X, y);
    // equal to training row 2 ('b'); rows 0 and 1 ('a') are nearer than row 3 but get no vote
    const q = CsrMatrix.fromDense([[0, 1, 0]]);
    assert.deepEqual(m.predict(q), ['b']);
    assert.deepEqual(Array.from(m.predictProba(q).data), [0, 1]);
  });
  it("weights='distance' weighs votes by 1/distance", () => {
    const m = new KNeighborsClassifier({ nNeighbors: 2, weights: 'distance' }).fit(X, y);
    const q = CsrMatrix.fromDense([[0.5, 0.6, 0]]);
    const nb = m.kneighbors(q);
    const [d0, d1] = [nb.distances.data[0]!, nb.distances.data[1]!];
    const w = [1 / d0, 1 / d1];
    const classOf = Array.from(nb.indices, (i) => y[i]!);
    const pa = classOf.reduce((s, c, i) => s + (c === 'a' ? w[i]! : 0), 0) / (w[0]! + w[1]!);
    assert.ok(Math.abs(m.predictProba(q).get(0, 0) - pa) < 1e-15);
  });
  it('equal distances: the smaller training row comes first', () => {
    const Xd = CsrMatrix.fromDense([[1, 0], [0, 1], [1, 0], [0, 1]]);
    const m = new KNeighborsClassifier({ nNeighbors: 3 }).fit(Xd, ['a', 'b', 'b', 'a']);
    assert.deepEqual(Array.from(m.kneighbors(CsrMatrix.fromDense([[1, 0]])).indices), [0, 2, 1]);
  });
});

describe('KNeighborsClassifier state', () => {
  const data = loadInputs('multiclass');
  it('a saved and loaded model predicts bit-identically', () => {
    const m = new KNeighborsClassifier({ nNeighbors: 5, weights: 'distance', metric: 'cosine' }).fit(data.Xtrain, data.ytrain);
    const loaded = KNeighborsClassifier.fromState(m.toState());
    assert.deepEqual(loaded.predict(data.Xtest), m.predict(data.Xtest));
    assert.deepEqual(loaded.predictProba(data.Xtest).data, m.predictProba(data.Xtest).data);
    assert.deepEqual(loaded.getParams(), m.getParams());
  });
  it('the metric stays the one fitted with, also through a save+load', () => {
    const m = new KNeighborsClassifier({ metric: 'euclidean' }).fit(data.Xtrain, data.ytrain);
    const before = m.kneighbors(data.Xtest).distances.data;
    m.setParams({ metric: 'cosine' });
    assert.deepEqual(m.kneighbors(data.Xtest).distances.data, before);
    assert.deepEqual(KNeighborsClassifier.fromState(m.toState()).kneighbors(data.Xtest).distances.data, before);
  });
  it('loads a state that holds the training matrix instead of the index (older files)', () => {
    const m = new KNeighborsClassifier({ nNeighbors: 5, weights: 'distance' }).fit(data.Xtrain, data.ytrain);
    const s = m.toState();
    const T = data.Xtrain;
    const legacy = { ...s, arrays: { indptr: T.indptr, indices: T.indices, data: T.data, labels: s.arrays['labels']! } };
    assert.deepEqual(KNeighborsClassifier.fromState(legacy).kneighbors(data.Xtest).distances.data, m.kneighbors(data.Xtest).distances.data);
    rejects(() => KNeighborsClassifier.fromState({ ...legacy, arrays: { ...legacy.arrays, indices: T.indices.map((c, i) => (i === 2 ? T.nCols + 3 : c)) } }), 'MODEL_FILE_CORRUPT', new RegExp(`column ${T.nCols + 3}`));
  });
  it('a tampered 16-bit id (not range-checked at load) gives finite distances, not a crash', () => {
    const m = new KNeighborsClassifier({ nNeighbors: 3 }).fit(data.Xtrain, data.ytrain);
    const s = m.toState();
    const bad = { ...s, arrays: { ...s.arrays, lightRow: (s.arrays['lightRow'] as Uint16Array).map(() => 65535), heavyCol: (s.arrays['heavyCol'] as Uint16Array).map(() => 65535) } };
    assert.ok(KNeighborsClassifier.fromState(bad).kneighbors(data.Xtest).distances.data.every(Number.isFinite));
  });
  it('rejects a state of another kind or with broken sections', () => {
    const s = new KNeighborsClassifier({ nNeighbors: 1 }).fit(X, y).toState();
    rejects(() => KNeighborsClassifier.fromState({ ...s, kind: 'MultinomialNB' }), 'MODEL_FILE_KIND', /not KNeighborsClassifier/);
    rejects(() => KNeighborsClassifier.fromState({ ...s, arrays: { ...s.arrays, lightRow: new Int32Array([7]) } }), 'MODEL_FILE_CORRUPT', /lightRow section holds row 7/);
    rejects(() => KNeighborsClassifier.fromState({ ...s, arrays: { ...s.arrays, heavyCol: Int32Array.from(s.arrays['heavyCol']!, () => 9) } }), 'MODEL_FILE_CORRUPT', /heavyCol section holds heavy feature 9/);
    const { groupNorms: _, ...noNorms } = s.arrays;
    rejects(() => KNeighborsClassifier.fromState({ ...s, arrays: noNorms }), 'MODEL_FILE_CORRUPT', /groupNorms/);
    rejects(() => KNeighborsClassifier.fromState({ ...s, arrays: { ...s.arrays, labels: new Int32Array(2) } }), 'MODEL_FILE_CORRUPT', /labels/);
    rejects(() => KNeighborsClassifier.fromState({ ...s, meta: { ...s.meta, metric: 'l1' } }), 'MODEL_FILE_CORRUPT', /metric/);
  });
});
