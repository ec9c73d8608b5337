import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFixture } from '../../helpers/fixtures.ts';
import { loadInputs } from '../../helpers/inputs.ts';
import { CuratorError } from '../../../src/ml/errors.ts';
import { DenseMatrix } from '../../../src/ml/dense/dense-matrix.ts';
import { sampleCount, type Samples } from '../../../src/ml/base/select-samples.ts';
import { sortedUnique } from '../../../src/ml/base/labels.ts';
import { crossValidate, toSklearnDict } from '../../../src/ml/model-selection/cross-validate.ts';
import { gridSearch, parameterGrid } from '../../../src/ml/model-selection/grid-search.ts';
import { StratifiedKFold } from '../../../src/ml/model-selection/stratified-k-fold.ts';
import { getScorer, makeScorer } from '../../../src/ml/metrics/scorer.ts';
import { accuracyScore } from '../../../src/ml/metrics/accuracy.ts';

/** scikit-learn's DummyClassifier ('most_frequent' | 'prior'), written here so these tests depend on no other estimator. */
class Dummy {
  readonly kind = 'Dummy';
  static predictCalls = 0;
  private params: { strategy: 'most_frequent' | 'prior'; failOnFit: boolean };
  private classes_?: string[];
  private prior_?: Float64Array;

  constructor(params: Partial<Dummy['params']> = {}) {
    this.params = { strategy: 'prior', failOnFit: false, ...params };
  }
  get classes(): readonly string[] {
    return this.classes_!;
  }
  get isFitted(): boolean {
    return this.classes_ !== undefined;
  }
  getParams() {
    return { ...this.params };
  }
  setParams(p: Record<string, unknown>): this {
    for (const k of Object.keys(p)) if (!(k in this.params)) throw new CuratorError('UNKNOWN_PARAM', `Dummy has no parameter '${k}'.`, { field: k });
    this.params = { ...this.params, ...p } as Dummy['params'];
    return this;
  }
  clone(): Dummy {
    return new Dummy(this.params);
  }
  fit(X: Samples, y: readonly string[]): this {
    if (this.params.failOnFit) throw new Error('fit failed on purpose');
    assert.equal(sampleCount(X), y.length);
    this.classes_ = sortedUnique(y);
    const counts = new Float64Array(this.classes_.length);
    for (const l of y) counts[this.classes_.indexOf(l)]!++;
    this.prior_ = counts.map((c) => c / y.length);
    return this;
  }
  private best(): number {
    return this.prior_!.indexOf(Math.max(...this.prior_!));
  }
  predict(X: Samples): string[] {
    Dummy.predictCalls++;
    return new Array<string>(sampleCount(X)).fill(this.classes_![this.best()]!);
  }
  predictProba(X: Samples): DenseMatrix {
    const n = sampleCount(X);
    const k = this.classes_!.length;
    const m = new DenseMatrix(n, k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) m.set(i, j, this.params.strategy === 'prior' ? this.prior_![j]! : j === this.best() ? 1 : 0);
    }
    return m;
  }
}

interface CvFx {
  cross_validate: Record<string, number[]>;
  grid: { params: Record<string, unknown>[]; best_index: number; best_score: number; results: Record<string, number[]> };
}
const fx = readFixture<{ cv: CvFx }>('metrics.json').cv;
const multi = loadInputs('multiclass');
const close = (a: readonly number[], b: readonly number[], what: string) => {
  assert.equal(a.length, b.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-12, `${what}[${i}]: ${v} vs scikit-learn ${b[i]}`));
};
const code = (fn: () => unknown, c: string, re: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CuratorError, String(e));
    assert.equal(e.code, c, e.message);
    assert.match(e.message, re);
    return true;
  });

describe('crossValidate', () => {
  it('matches scikit-learn cross_validate (7 stratified folds, 4 scorers, train scores) on a CsrMatrix', () => {
    const r = crossValidate(new Dummy(), multi.X, multi.y, {
      cv: 7, scoring: ['accuracy', 'f1_macro', 'precision_weighted', 'neg_log_loss'], returnTrainScore: true,
    });
    const d = toSklearnDict(r);
    for (const [k, v] of Object.entries(fx.cross_validate)) close(d[k]!, v, k);
    assert.equal(r.fitTime.length, 7);
    assert.ok(r.fitTime.every((t) => t >= 0) && r.scoreTime.every((t) => t >= 0));
    const acc = r.testScores['accuracy']!;
    const mean = acc.reduce((a, b) => a + b, 0) / acc.length;
    assert.ok(Math.abs(r.summary.test['accuracy']!.mean - mean) < 1e-15);
    assert.ok(Math.abs(r.summary.test['accuracy']!.std - Math.sqrt(acc.reduce((a, b) => a + (b - mean) ** 2, 0) / acc.length)) < 1e-15);
    assert.deepEqual(r.errors, []);
  });

  it('clones per fold, reports progress, returns the fitted estimators on request', () => {
    const est = new Dummy();
    const progress: [number, number][] = [];
    const r = crossValidate(est, multi.X, multi.y, { cv: 3, returnEstimator: true, onProgress: (d, t) => progress.push([d, t]) });
    assert.equal(est.isFitted, false, 'the given estimator is left unfitted');
    assert.deepEqual(progress, [[1, 3], [2, 3], [3, 3]]);
    assert.equal(r.estimators!.length, 3);
    assert.ok(r.estimators!.every((e) => e.isFitted && e !== est));
    assert.equal(new Set(r.estimators).size, 3);
    assert.deepEqual(Object.keys(r.testScores), ['accuracy'], 'default scoring is accuracy');
  });

  it('scores a fold with one predict call however many label scorers there are', () => {
    Dummy.predictCalls = 0;
    crossValidate(new Dummy(), multi.X, multi.y, { cv: 4, scoring: ['accuracy', 'f1_macro', 'recall_micro', 'precision_macro'] });
    assert.equal(Dummy.predictCalls, 4);
  });

  it('accepts precomputed folds, a splitter, raw texts and AnalyzedDocs as X', () => {
    const y = multi.y;
    const folds = new StratifiedKFold({ nSplits: 5, shuffle: true, randomState: 3 }).split(y.length, y);
    const plain = folds.map((f) => ({ train: Array.from(f.train), test: Array.from(f.test) }));
    const a = crossValidate(new Dummy(), multi.X, y, { cv: folds, scoring: 'neg_log_loss' });
    const b = crossValidate(new Dummy(), multi.X, y, { cv: plain, scoring: 'neg_log_loss' });
    const c = crossValidate(new Dummy(), multi.X, y, { cv: new StratifiedKFold({ nSplits: 5, shuffle: true, randomState: 3 }), scoring: 'neg_log_loss' });
    const texts = y.map((_, i) => `doc ${i}`);
    const d = crossValidate(new Dummy(), texts, y, { cv: folds, scoring: 'neg_log_loss' });
    const analyzed = { analyzerKey: 'k', terms: ['doc'], docs: y.map(() => Int32Array.of(0)) };
    const e = crossValidate(new Dummy(), analyzed, y, { cv: folds, scoring: { nll: getScorer('neg_log_loss'), acc: makeScorer(accuracyScore) } });
    for (const r of [b, c, d]) assert.deepEqual(r.testScores, a.testScores);
    assert.deepEqual(e.testScores['nll'], a.testScores['neg_log_loss']);
  });

  it('passes splitter warnings on instead of printing them', () => {
    const y = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b'];
    const r = crossValidate(new Dummy(), y.map(String), y, { cv: 3 });
    assert.match(r.warnings[0]!, /only 2 members, which is less than nSplits=3/);
  });

  it('errorScore: a failing fold scores NaN and its error is kept; the default raises', () => {
    const bad = new Dummy({ failOnFit: true });
    assert.throws(() => crossValidate(bad, multi.X, multi.y, { cv: 3 }), /fit failed on purpose/);
    const r = crossValidate(bad, multi.X, multi.y, { cv: 3, errorScore: Number.NaN });
    assert.ok(r.testScores['accuracy']!.every(Number.isNaN));
    assert.deepEqual(r.errors.map((e) => e.fold), [0, 1, 2]);
    assert.match(r.errors[0]!.message, /fit failed on purpose/);
  });

  it('bad input: coded errors naming the problem', () => {
    code(() => crossValidate(new Dummy(), multi.X, multi.y.slice(1)), 'SHAPE_MISMATCH', /209 samples but y has 208 labels/);
    code(() => crossValidate(new Dummy(), [], []), 'EMPTY_INPUT', /empty/);
    code(() => crossValidate(new Dummy(), multi.X, multi.y, { scoring: 'f1_mcro' }), 'INVALID_ARGUMENT', /Unknown scorer "f1_mcro"/);
    code(() => crossValidate(new Dummy(), multi.X, multi.y, { scoring: ['accuracy', 'accuracy'] }), 'INVALID_ARGUMENT', /twice/);
    code(() => crossValidate(new Dummy(), multi.X, multi.y, { cv: 1 }), 'INVALID_PARAM', /'nSplits' parameter of StratifiedKFold must be an int ≥ 2/);
    code(() => crossValidate(new Dummy(), multi.X, multi.y, { cv: 100 }), 'INVALID_ARGUMENT', /nSplits=100 cannot be greater than the number of members in each class/);
    code(() => crossValidate(new Dummy(), multi.X, multi.y, { cv: [{ train: [0, 1], test: [209] }] }), 'INVALID_ARGUMENT', /cv\[0\]\.test holds 209, which is not a sample index/);
    code(() => crossValidate(new Dummy(), multi.X, multi.y, { cv: [{ train: [0, 1], test: [] }] }), 'INVALID_ARGUMENT', /empty test part/);
    code(() => crossValidate({} as never, multi.X, multi.y), 'INVALID_ARGUMENT', /estimator must have clone\(\), fit\(\) and predict\(\)/);
  });
});

describe('parameterGrid', () => {
  it('sorts keys and varies the last fastest, as scikit-learn', () => {
    assert.deepEqual(parameterGrid({ b: [1, 2], a: ['x', 'y'] }), [
      { a: 'x', b: 1 }, { a: 'x', b: 2 }, { a: 'y', b: 1 }, { a: 'y', b: 2 },
    ]);
    assert.deepEqual(parameterGrid([{ clf__C: [1] }, { tfidf__minDf: [1, 2], clf__C: [10] }]), [
      { clf__C: 1 }, { clf__C: 10, tfidf__minDf: 1 }, { clf__C: 10, tfidf__minDf: 2 },
    ]);
    assert.deepEqual(parameterGrid({}), [{}]);
  });

  it('rejects empty or non-array values', () => {
    code(() => parameterGrid({ C: [] }), 'INVALID_ARGUMENT', /values of parameter 'C' must be a non-empty array/);
    code(() => parameterGrid({ C: 1 } as never), 'INVALID_ARGUMENT', /'C'/);
  });
});

describe('gridSearch', () => {
  it('matches scikit-learn GridSearchCV: per-split scores, means, stds, ranks (ties share rank 1), best', () => {
    const gs = gridSearch(new Dummy(), { strategy: ['most_frequent', 'prior'] }, multi.X, multi.y, {
      cv: 7, scoring: ['accuracy', 'neg_log_loss'], refit: 'neg_log_loss', returnTrainScore: true,
    });
    const res = gs.cvResults;
    assert.deepEqual(res.params, fx.grid.params);
    for (const m of ['accuracy', 'neg_log_loss']) {
      for (let k = 0; k < 7; k++) {
        close(res.splitTestScores[m]!.map((s) => s[k]!), fx.grid.results[`split${k}_test_${m}`]!, `split${k} ${m}`);
        close(res.splitTrainScores![m]!.map((s) => s[k]!), fx.grid.results[`split${k}_train_${m}`]!, `split${k} train ${m}`);
      }
      close(res.meanTestScore[m]!, fx.grid.results[`mean_test_${m}`]!, `mean ${m}`);
      close(res.stdTestScore[m]!, fx.grid.results[`std_test_${m}`]!, `std ${m}`);
      assert.deepEqual(res.rankTestScore[m], fx.grid.results[`rank_test_${m}`], `rank ${m}`);
      close(res.meanTrainScore![m]!, fx.grid.results[`mean_train_${m}`]!, `mean train ${m}`);
    }
    assert.equal(gs.bestIndex, fx.grid.best_index);
    assert.ok(Math.abs(gs.bestScore! - fx.grid.best_score) <= 1e-12);
    assert.deepEqual(gs.bestParams, { strategy: 'prior' });
    assert.ok(gs.bestEstimator!.isFitted);
    assert.equal(gs.bestEstimator!.getParams().strategy, 'prior');
  });

  it('passes step__param keys to setParams, reports progress over candidates × folds', () => {
    const seen: Record<string, unknown>[] = [];
    class Recorder extends Dummy {
      override setParams(p: Record<string, unknown>): this {
        seen.push(p);
        return this;
      }
      override clone(): Recorder {
        return new Recorder();
      }
    }
    const progress: number[] = [];
    const gs = gridSearch(new Recorder(), { clf__C: [1, 10], tfidf__minDf: [1, 2, 3] }, multi.X, multi.y, { cv: 2, refit: false, onProgress: (d) => progress.push(d) });
    assert.deepEqual(seen.slice(0, 2), [{ clf__C: 1, tfidf__minDf: 1 }, { clf__C: 1, tfidf__minDf: 2 }]);
    assert.equal(progress.length, 12);
    assert.equal(progress.at(-1), 12);
    assert.equal(gs.bestEstimator, undefined);
    assert.equal(gs.bestIndex, 0, 'ties: the first best candidate');
  });

  it('bad input', () => {
    code(() => gridSearch(new Dummy(), { strategy: ['prior'] }, multi.X, multi.y, { scoring: ['accuracy', 'f1_macro'] }), 'INVALID_ARGUMENT', /with several scorers, refit must name/);
    code(() => gridSearch(new Dummy(), { strategy: ['prior'] }, multi.X, multi.y, { refit: 'f1' }), 'INVALID_ARGUMENT', /refit names "f1", which is not one of the scorers/);
    code(() => gridSearch(new Dummy(), { nope: [1] }, multi.X, multi.y), 'UNKNOWN_PARAM', /no parameter 'nope'/);
    code(() => gridSearch(new Dummy(), { strategy: ['prior'] }, multi.X, ['a']), 'SHAPE_MISMATCH', /209 samples but y has 1 labels/);
  });
});
