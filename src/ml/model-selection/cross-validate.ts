import { CuratorError } from '../errors.ts';
import { sampleCount, selectSamples, type Samples } from '../base/select-samples.ts';
import { getScorer, Predictions, Scorer, type ScorableEstimator } from '../metrics/scorer.ts';
import { StratifiedKFold } from './stratified-k-fold.ts';
import type { Fold, Splitter } from './splitter.ts';

/**
 * The least cross-validation needs of an estimator: an unfitted copy, fit, predict (and
 * predictProba / decisionFunction for scorers that read them). A Classifier on a CsrMatrix and a
 * Pipeline over texts both fit; `clone()` must return an estimator of the same kind.
 */
export interface CvEstimator<X extends Samples = Samples> extends ScorableEstimator<X> {
  clone(): object;
  fit(X: X, y: readonly string[]): unknown;
}

/** Scorers by name: one built-in name, several, or your own (see makeScorer). */
export type Scoring = string | readonly string[] | Readonly<Record<string, Scorer | string>>;

/** What to cross-validate on: k stratified folds, a splitter, or precomputed folds. */
export type CvSpec = number | Splitter | readonly Fold[] | readonly { train: ArrayLike<number>; test: ArrayLike<number> }[];

/** Options of {@link crossValidate}. */
export interface CrossValidateOptions {
  /** Default 5: StratifiedKFold({ nSplits: 5 }) (no shuffle), as scikit-learn for classifiers. */
  cv?: CvSpec;
  /** Default 'accuracy'. Results are keyed by scorer name (or by your record's keys). */
  scoring?: Scoring;
  /** Also score each fold's training part (costs a predict over it). Default false. */
  returnTrainScore?: boolean;
  /** Keep each fold's fitted estimator. Default false. */
  returnEstimator?: boolean;
  /** Called after each fold with (folds done, folds in all). */
  onProgress?: (done: number, total: number) => void;
  /**
   * 'raise' (default): a fold whose fit or scoring throws stops the run. A number (e.g. NaN):
   * that fold's scores take this value and the error is kept in `errors` (scikit-learn's
   * error_score, whose default NaN would hide failures silently here, since src/ml prints nothing).
   */
  errorScore?: 'raise' | number;
}

/** Mean and standard deviation (population, as numpy's) of a per-fold figure. */
export interface MeanStd {
  mean: number;
  std: number;
}

/** The per-fold figures of {@link crossValidate}, as scikit-learn's `cross_validate` dict. */
export interface CrossValidateResult<E = unknown> {
  /** Seconds spent in fit, per fold. */
  fitTime: number[];
  /** Seconds spent scoring the test part, per fold. */
  scoreTime: number[];
  /** Per scorer name, the test score of each fold (losses negated, as scikit-learn's `neg_*`). */
  testScores: Record<string, number[]>;
  /** Per scorer name, the score on each fold's training part (with returnTrainScore). */
  trainScores?: Record<string, number[]>;
  /** Mean ± std over folds of every figure above. */
  summary: {
    fitTime: MeanStd;
    scoreTime: MeanStd;
    test: Record<string, MeanStd>;
    train?: Record<string, MeanStd>;
  };
  /** The fitted estimator of each fold (with returnEstimator). */
  estimators?: E[];
  /** Splitter warnings (e.g. a class smaller than the number of folds); never printed. */
  warnings: string[];
  /** Per failed fold (with a numeric errorScore), its message. */
  errors: { fold: number; message: string }[];
}

/** The scorers of a `scoring` option, by result key. */
export function resolveScoring(scoring: Scoring | undefined): Record<string, Scorer> {
  if (scoring === undefined) return { accuracy: getScorer('accuracy') };
  if (typeof scoring === 'string') return { [scoring]: getScorer(scoring) };
  const out: Record<string, Scorer> = {};
  if (Array.isArray(scoring)) {
    for (const name of scoring as readonly unknown[]) {
      if (typeof name !== 'string') throw new CuratorError('INVALID_ARGUMENT', `scoring lists ${JSON.stringify(name)}; scorer names must be strings.`, { field: 'scoring' });
      if (name in out) throw new CuratorError('INVALID_ARGUMENT', `scoring lists ${JSON.stringify(name)} twice.`, { field: 'scoring' });
      out[name] = getScorer(name);
    }
  } else if (scoring !== null && typeof scoring === 'object') {
    for (const [key, s] of Object.entries(scoring)) {
      if (typeof s === 'string') out[key] = getScorer(s);
      else if (s instanceof Scorer) out[key] = s;
      else throw new CuratorError('INVALID_ARGUMENT', `scoring.${key} must be a Scorer (see makeScorer) or a scorer name.`, { field: 'scoring' });
    }
  } else {
    throw new CuratorError('INVALID_ARGUMENT', 'scoring must be a scorer name, a list of names, or a record of scorers.', { field: 'scoring' });
  }
  if (Object.keys(out).length === 0) throw new CuratorError('INVALID_ARGUMENT', 'scoring names no scorer.', { field: 'scoring' });
  return out;
}

/** Checks X and y for cross-validation and returns the number of samples. */
export function checkCvInput(owner: string, X: Samples, y: readonly string[]): number {
  const n = sampleCount(X);
  if (!Array.isArray(y)) throw new CuratorError('INVALID_ARGUMENT', `${owner}: y must be an array of string labels.`, { field: 'y' });
  if (y.length !== n) throw new CuratorError('SHAPE_MISMATCH', `${owner}: X has ${n} samples but y has ${y.length} labels; they must be the same length.`, { field: 'y' });
  if (n === 0) throw new CuratorError('EMPTY_INPUT', `${owner}: X and y are empty; at least one sample is needed.`, { field: 'X' });
  return n;
}

function isSplitter(cv: unknown): cv is Splitter {
  return cv !== null && typeof cv === 'object' && typeof (cv as Splitter).split === 'function';
}

/** The folds of a `cv` option over n samples; precomputed folds are checked (indices in range). */
export function resolveFolds(owner: string, cv: CvSpec | undefined, X: Samples, y: readonly string[], n: number): { folds: Fold[]; warnings: string[] } {
  if (cv === undefined || typeof cv === 'number') {
    const splitter = new StratifiedKFold({ nSplits: cv ?? 5 });
    const folds = splitter.split(X, y);
    return { folds, warnings: splitter.lastWarnings };
  }
  if (isSplitter(cv)) {
    const folds = cv.split(X, y);
    const warnings = (cv as { lastWarnings?: string[] }).lastWarnings ?? [];
    return { folds: [...folds], warnings: [...warnings] };
  }
  if (!Array.isArray(cv) || cv.length === 0) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: cv must be a number of folds, a splitter, or a non-empty array of {train, test} folds.`, { field: 'cv' });
  }
  const folds = (cv as readonly { train: ArrayLike<number>; test: ArrayLike<number> }[]).map((f, k) => {
    const part = (name: 'train' | 'test'): Int32Array => {
      const idx = f?.[name];
      if (!idx || typeof idx.length !== 'number') throw new CuratorError('INVALID_ARGUMENT', `${owner}: cv[${k}].${name} must be an array of sample indices.`, { field: 'cv' });
      const out = Int32Array.from(idx);
      for (let i = 0; i < out.length; i++) {
        if (out[i] !== idx[i] || out[i]! < 0 || out[i]! >= n) {
          throw new CuratorError('INVALID_ARGUMENT', `${owner}: cv[${k}].${name} holds ${idx[i]}, which is not a sample index in [0, ${n}).`, { field: 'cv' });
        }
      }
      return out;
    };
    const test = part('test');
    const train = part('train');
    if (test.length === 0 || train.length === 0) throw new CuratorError('INVALID_ARGUMENT', `${owner}: cv[${k}] has an empty ${test.length === 0 ? 'test' : 'train'} part.`, { field: 'cv' });
    return { train, test };
  });
  return { folds, warnings: [] };
}

/** One fold's outcome. */
export interface FoldOutcome<E> {
  fitTime: number;
  scoreTime: number;
  test: Record<string, number>;
  train?: Record<string, number>;
  estimator: E;
  error?: string;
}

function scoreAll(scorers: Record<string, Scorer>, estimator: ScorableEstimator<Samples>, X: Samples, y: readonly string[]): Record<string, number> {
  const shared = new Predictions(estimator, X);
  const out: Record<string, number> = {};
  for (const [key, s] of Object.entries(scorers)) out[key] = s.scorePredictions(shared, y);
  return out;
}

/** Clones `estimator`, fits it on the fold's training part and scores it (scikit-learn's `_fit_and_score`). */
export function fitAndScore<X extends Samples, E extends CvEstimator<X>>(
  estimator: E, X: X, y: readonly string[], fold: Fold, scorers: Record<string, Scorer>,
  options: { returnTrainScore?: boolean; errorScore?: 'raise' | number },
): FoldOutcome<E> {
  const est = estimator.clone() as E;
  const yTrain = Array.from(fold.train, (i) => y[i]!);
  const yTest = Array.from(fold.test, (i) => y[i]!);
  const Xtrain = selectSamples(X, fold.train);
  let fitTime = 0;
  let scoreTime = 0;
  try {
    const t0 = performance.now();
    est.fit(Xtrain, yTrain);
    fitTime = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const test = scoreAll(scorers, est, selectSamples(X, fold.test), yTest);
    scoreTime = (performance.now() - t1) / 1000;
    const out: FoldOutcome<E> = { fitTime, scoreTime, test, estimator: est };
    if (options.returnTrainScore) out.train = scoreAll(scorers, est, Xtrain, yTrain);
    return out;
  } catch (e) {
    const errorScore = options.errorScore ?? 'raise';
    if (errorScore === 'raise') throw e;
    const failed = Object.fromEntries(Object.keys(scorers).map((k) => [k, errorScore]));
    const out: FoldOutcome<E> = { fitTime, scoreTime, test: failed, estimator: est, error: e instanceof Error ? e.message : String(e) };
    if (options.returnTrainScore) out.train = { ...failed };
    return out;
  }
}

/** Mean and population standard deviation, as numpy's mean/std. */
export function meanStd(xs: readonly number[]): MeanStd {
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) * (x - mean);
  return { mean, std: Math.sqrt(v / xs.length) };
}

function checkErrorScore(owner: string, e: unknown): void {
  if (e !== undefined && e !== 'raise' && typeof e !== 'number') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: errorScore must be "raise" or a number. Got ${JSON.stringify(e)} instead.`, { field: 'errorScore' });
  }
}

/**
 * Fits a fresh clone of `estimator` on each fold's training part and scores it on the test part,
 * as scikit-learn's `cross_validate`. X may be a CsrMatrix, raw texts or AnalyzedDocs.
 *
 * @example
 *   const cv = crossValidate(new MultinomialNB(), X, y, { cv: 12, scoring: ['accuracy', 'f1_macro'] });
 *   cv.summary.test['f1_macro']!.mean;
 */
export function crossValidate<X extends Samples, E extends CvEstimator<X>>(estimator: E, X: X, y: readonly string[], options: CrossValidateOptions = {}): CrossValidateResult<E> {
  const owner = 'crossValidate';
  if (!estimator || typeof estimator.clone !== 'function' || typeof estimator.fit !== 'function' || typeof estimator.predict !== 'function') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: estimator must have clone(), fit() and predict().`, { field: 'estimator' });
  }
  checkErrorScore(owner, options.errorScore);
  const n = checkCvInput(owner, X, y);
  const scorers = resolveScoring(options.scoring);
  const { folds, warnings } = resolveFolds(owner, options.cv, X, y, n);
  const names = Object.keys(scorers);
  const result: CrossValidateResult<E> = {
    fitTime: [], scoreTime: [],
    testScores: Object.fromEntries(names.map((k) => [k, [] as number[]])),
    summary: { fitTime: { mean: 0, std: 0 }, scoreTime: { mean: 0, std: 0 }, test: {} },
    warnings, errors: [],
  };
  if (options.returnTrainScore) result.trainScores = Object.fromEntries(names.map((k) => [k, [] as number[]]));
  if (options.returnEstimator) result.estimators = [];
  folds.forEach((fold, k) => {
    const o = fitAndScore(estimator, X, y, fold, scorers, options);
    result.fitTime.push(o.fitTime);
    result.scoreTime.push(o.scoreTime);
    for (const name of names) {
      result.testScores[name]!.push(o.test[name]!);
      if (o.train) result.trainScores![name]!.push(o.train[name]!);
    }
    if (result.estimators) result.estimators.push(o.estimator);
    if (o.error !== undefined) result.errors.push({ fold: k, message: o.error });
    options.onProgress?.(k + 1, folds.length);
  });
  result.summary.fitTime = meanStd(result.fitTime);
  result.summary.scoreTime = meanStd(result.scoreTime);
  for (const name of names) result.summary.test[name] = meanStd(result.testScores[name]!);
  if (result.trainScores) {
    result.summary.train = {};
    for (const name of names) result.summary.train[name] = meanStd(result.trainScores[name]!);
  }
  return result;
}

/** The result in scikit-learn's `cross_validate` dict shape: fit_time, score_time, test_<name>, train_<name>. */
export function toSklearnDict(result: CrossValidateResult): Record<string, number[]> {
  const out: Record<string, number[]> = { fit_time: result.fitTime, score_time: result.scoreTime };
  for (const [k, v] of Object.entries(result.testScores)) out[`test_${k}`] = v;
  for (const [k, v] of Object.entries(result.trainScores ?? {})) out[`train_${k}`] = v;
  return out;
}
