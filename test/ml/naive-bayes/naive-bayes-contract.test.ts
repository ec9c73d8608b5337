import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CuratorError } from '../../../src/ml/errors.ts';
import { ComplementNB } from '../../../src/ml/naive-bayes/complement-nb.ts';
import { MultinomialNB } from '../../../src/ml/naive-bayes/multinomial-nb.ts';
import { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';
import { loadInputs } from '../../helpers/inputs.ts';

const X = CsrMatrix.fromDense([
  [1, 0, 2],
  [0, 3, 0],
  [2, 0, 1],
  [0, 1, 1],
]);
const y = ['a', 'b', 'a', 'b'];

function rejects(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CuratorError, `expected CuratorError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

for (const Cls of [MultinomialNB, ComplementNB]) {
  describe(`${Cls.name} bad input`, () => {
    it('rejects X/y length mismatch', () => rejects(() => new Cls().fit(X, ['a', 'b']), 'SHAPE_MISMATCH', /4 rows but y has 2 labels/));
    it('rejects a single class', () => rejects(() => new Cls().fit(X, ['a', 'a', 'a', 'a']), 'SINGLE_CLASS', /single class/));
    it('rejects NaN and Infinity features', () => {
      rejects(() => new Cls().fit(CsrMatrix.fromDense([[NaN, 1], [1, 0]]), ['a', 'b']), 'INVALID_FEATURES', /NaN at row 0, column 0/);
      rejects(() => new Cls().fit(CsrMatrix.fromDense([[1, 1], [Infinity, 0]]), ['a', 'b']), 'INVALID_FEATURES', /Infinity at row 1/);
    });
    it('rejects negative features, as scikit-learn does', () => {
      rejects(() => new Cls().fit(CsrMatrix.fromDense([[1, 0], [0, -0.5]]), ['a', 'b']), 'INVALID_FEATURES', /negative value -0.5 at row 1, column 1/);
    });
    it('rejects an unknown param', () => rejects(() => new Cls({ alhpa: 1 } as never), 'UNKNOWN_PARAM', /no parameter 'alhpa'/));
    it('rejects out-of-range params', () => {
      rejects(() => new Cls({ alpha: -1 }), 'INVALID_PARAM', /'alpha' parameter of .*NB must be a float ≥ 0. Got -1/);
      rejects(() => new Cls({ classPrior: [0.5, -1] }), 'INVALID_PARAM', /'classPrior'/);
    });
    it('rejects a classPrior of the wrong length at fit, naming classPrior', () => {
      rejects(() => new Cls({ classPrior: [0.2, 0.3, 0.5] }).fit(X, y), 'INVALID_PARAM', /classPrior has 3 values but there are 2 classes/);
    });
    it('throws NOT_FITTED before fit, naming the method', () => {
      rejects(() => new Cls().predict(X), 'NOT_FITTED', /predict\(\)/);
      rejects(() => new Cls().predictProba(X), 'NOT_FITTED', /predictProba\(\)/);
      rejects(() => new Cls().toState(), 'NOT_FITTED', /toState\(\)/);
    });
    it('rejects a predict input of the wrong width', () => {
      rejects(() => new Cls().fit(X, y).predict(CsrMatrix.fromDense([[1, 2]])), 'SHAPE_MISMATCH', /2 features, but the model was fitted with 3/);
    });
  });

  describe(`${Cls.name} state`, () => {
    it('a saved and loaded model predicts bit-identically', () => {
      const data = loadInputs('multiclass');
      const m = new Cls({ alpha: 0.3 }).fit(data.Xtrain, data.ytrain);
      const loaded = Cls.fromState(m.toState());
      assert.deepEqual(loaded.predict(data.Xtest), m.predict(data.Xtest));
      assert.deepEqual(loaded.predictProba(data.Xtest).data, m.predictProba(data.Xtest).data);
      assert.deepEqual(loaded.getParams(), m.getParams());
    });
    it('setParams after fit does not change what a save+load rebuilds', () => {
      const m = new Cls({ alpha: 0.3 }).fit(X, y);
      const before = m.predictProba(X).data;
      m.setParams({ alpha: 5 });
      assert.deepEqual(Cls.fromState(m.toState()).predictProba(X).data, before);
    });
    it('rejects a state of another kind or with a broken section', () => {
      const s = new Cls().fit(X, y).toState();
      rejects(() => Cls.fromState({ ...s, kind: 'LinearSVC' }), 'MODEL_FILE_KIND', /not /);
      rejects(() => Cls.fromState({ ...s, arrays: { ...s.arrays, featureCount: new Float64Array(2) } }), 'MODEL_FILE_CORRUPT', /featureCount/);
      rejects(() => Cls.fromState({ ...s, meta: { ...s.meta, classes: ['a'] } }), 'MODEL_FILE_CORRUPT', /classes/);
    });
    it('clone keeps params and is unfitted', () => {
      const c = new Cls({ alpha: 0.2 }).fit(X, y).clone();
      assert.equal(c.isFitted, false);
      assert.equal(c.getParams().alpha, 0.2);
    });
  });
}

describe('MultinomialNB.partialFit', () => {
  it('batches add up to the same model as one fit', () => {
    const data = loadInputs('multiclass');
    const n = data.Xtrain.nRows;
    const half = Math.floor(n / 2);
    const idx = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
    const classes = [...new Set(data.ytrain)];
    const inc = new MultinomialNB()
      .partialFit(data.Xtrain.selectRows(idx(0, half)), data.ytrain.slice(0, half), classes)
      .partialFit(data.Xtrain.selectRows(idx(half, n)), data.ytrain.slice(half));
    const full = new MultinomialNB().fit(data.Xtrain, data.ytrain);
    assert.deepEqual(inc.predict(data.Xtest), full.predict(data.Xtest));
    assert.deepEqual(inc.featureLogProb, full.featureLogProb);
  });
  it('needs classes on the first call and rejects labels outside them', () => {
    rejects(() => new MultinomialNB().partialFit(X, y), 'INVALID_ARGUMENT', /classes must be given on the first call/);
    rejects(() => new MultinomialNB().partialFit(X, ['a', 'b', 'a', 'c'], ['a', 'b']), 'UNKNOWN_LABEL', /y\[3\] is "c"/);
  });
  it('accepts a single-class batch once the classes are known', () => {
    const m = new MultinomialNB().partialFit(X.selectRows([0, 2]), ['a', 'a'], ['a', 'b']);
    assert.equal(m.classLogPrior[1], -Infinity);
    assert.deepEqual(m.predict(X.selectRows([1])), ['a']);
  });
});

describe('ComplementNB priors', () => {
  it('fitPrior and classPrior do not change predictions with two or more classes (scikit-learn rule)', () => {
    const data = loadInputs('binary');
    const a = new ComplementNB().fit(data.Xtrain, data.ytrain);
    const b = new ComplementNB({ classPrior: [0.99, 0.01] }).fit(data.Xtrain, data.ytrain);
    assert.deepEqual(a.predictProba(data.Xtest).data, b.predictProba(data.Xtest).data);
    assert.notDeepEqual(a.classLogPrior, b.classLogPrior);
  });
});
