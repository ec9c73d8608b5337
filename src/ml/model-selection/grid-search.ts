import { CuratorError } from '../errors.ts';
import type { Samples } from '../base/select-samples.ts';
import {
  checkCvInput, fitAndScore, meanStd, resolveFolds, resolveScoring,
  type CvEstimator, type CvSpec, type Scoring,
} from './cross-validate.ts';

/** Candidate values per parameter name ('step__param' for a pipeline step's parameter). */
export type ParamGridSpec = Readonly<Record<string, readonly unknown[]>>;

/**
 * Every combination of a grid (or of each grid in a list), as scikit-learn's `ParameterGrid`:
 * keys sorted, the last key varying fastest.
 *
 * @example
 *   parameterGrid({ C: [0.1, 1], loss: ['hinge', 'log'] });
 *   // [{C: 0.1, loss: 'hinge'}, {C: 0.1, loss: 'log'}, {C: 1, loss: 'hinge'}, {C: 1, loss: 'log'}]
 */
export function parameterGrid(grid: ParamGridSpec | readonly ParamGridSpec[]): Record<string, unknown>[] {
  const grids = Array.isArray(grid) ? (grid as readonly ParamGridSpec[]) : [grid as ParamGridSpec];
  const out: Record<string, unknown>[] = [];
  grids.forEach((g, gi) => {
    if (g === null || typeof g !== 'object' || Array.isArray(g)) {
      throw new CuratorError('INVALID_ARGUMENT', `parameterGrid: ${Array.isArray(grid) ? `grid[${gi}]` : 'the grid'} must be an object of parameter name → array of values.`, { field: 'grid' });
    }
    const keys = Object.keys(g).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const k of keys) {
      const v = g[k];
      if (!Array.isArray(v) || v.length === 0) {
        throw new CuratorError('INVALID_ARGUMENT', `parameterGrid: the values of parameter '${k}' must be a non-empty array. Got ${JSON.stringify(v)} instead.`, { field: k });
      }
    }
    const idx = new Array<number>(keys.length).fill(0);
    for (;;) {
      out.push(Object.fromEntries(keys.map((k, i) => [k, g[k]![idx[i]!]])));
      let i = keys.length - 1;
      while (i >= 0 && ++idx[i]! === g[keys[i]!]!.length) idx[i--] = 0;
      if (i < 0) break;
    }
  });
  return out;
}

/** An estimator grid search can configure: a CvEstimator whose clone accepts setParams. */
export interface TunableEstimator<X extends Samples = Samples> extends CvEstimator<X> {
  setParams(params: Record<string, unknown>): unknown;
}

/** Options of {@link gridSearch}. */
export interface GridSearchOptions {
  /** As crossValidate: k stratified folds (default 5), a splitter, or precomputed folds (shared by all candidates). */
  cv?: CvSpec;
  /** As crossValidate; default 'accuracy'. */
  scoring?: Scoring;
  /**
   * true (default, single metric): pick by that metric and refit the best on all of X; a scorer
   * key: pick by that metric (needed with several metrics); false: no refit (best still reported
   * when there is one metric).
   */
  refit?: boolean | string;
  returnTrainScore?: boolean;
  /** Called after each fit with (fits done, candidates × folds). */
  onProgress?: (done: number, total: number) => void;
  /** As crossValidate: 'raise' (default) or the score of a failed fit. */
  errorScore?: 'raise' | number;
}

/** scikit-learn's `cv_results_`, by metric: arrays over candidates. */
export interface GridSearchCvResults {
  params: Record<string, unknown>[];
  meanFitTime: number[];
  stdFitTime: number[];
  meanScoreTime: number[];
  stdScoreTime: number[];
  /** [metric][candidate][fold] */
  splitTestScores: Record<string, number[][]>;
  meanTestScore: Record<string, number[]>;
  stdTestScore: Record<string, number[]>;
  /** 1 = best; ties share the lowest rank; NaN means rank last. */
  rankTestScore: Record<string, number[]>;
  splitTrainScores?: Record<string, number[][]>;
  meanTrainScore?: Record<string, number[]>;
  stdTrainScore?: Record<string, number[]>;
}

/** The outcome of {@link gridSearch}. */
export interface GridSearchResult<E> {
  cvResults: GridSearchCvResults;
  /** The metric that picked the best candidate (undefined with several metrics and refit false). */
  refitMetric?: string;
  bestIndex?: number;
  bestParams?: Record<string, unknown>;
  bestScore?: number;
  /** The best candidate fitted on all of X (unless refit is false). */
  bestEstimator?: E;
  /** Seconds of that final fit. */
  refitTime?: number;
  nSplits: number;
  warnings: string[];
  errors: { candidate: number; fold: number; message: string }[];
}

/** scipy's rankdata(-means, 'min'), with NaN ranked last as scikit-learn does. */
function rankDescending(means: readonly number[]): number[] {
  if (means.every((m) => Number.isNaN(m))) return means.map(() => 1);
  const finiteMin = Math.min(...means.filter((m) => !Number.isNaN(m)));
  const v = means.map((m) => (Number.isNaN(m) ? finiteMin - 1 : m));
  return v.map((m) => 1 + v.filter((o) => o > m).length);
}

/**
 * Cross-validates every combination of `grid` on the same folds and picks the best, as
 * scikit-learn's `GridSearchCV`. Each candidate is `estimator.clone().setParams(params)`, so a
 * Pipeline takes 'step__param' keys.
 *
 * @example
 *   const gs = gridSearch(pipe, { clf__C: [0.1, 1, 10] }, texts, y, { cv: 5, scoring: 'f1_macro' });
 *   gs.bestParams; gs.bestEstimator!.predict(newTexts);
 */
export function gridSearch<X extends Samples, E extends TunableEstimator<X>>(
  estimator: E, grid: ParamGridSpec | readonly ParamGridSpec[], X: X, y: readonly string[], options: GridSearchOptions = {},
): GridSearchResult<E> {
  const owner = 'gridSearch';
  if (!estimator || typeof estimator.clone !== 'function' || typeof estimator.fit !== 'function') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: estimator must have clone(), setParams(), fit() and predict().`, { field: 'estimator' });
  }
  const candidates = parameterGrid(grid);
  const n = checkCvInput(owner, X, y);
  const scorers = resolveScoring(options.scoring);
  const names = Object.keys(scorers);
  const refit = options.refit ?? true;
  let refitMetric: string | undefined;
  if (typeof refit === 'string') {
    if (!names.includes(refit)) throw new CuratorError('INVALID_ARGUMENT', `${owner}: refit names ${JSON.stringify(refit)}, which is not one of the scorers (${names.join(', ')}).`, { field: 'refit' });
    refitMetric = refit;
  } else if (typeof refit !== 'boolean') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: refit must be a boolean or a scorer name.`, { field: 'refit' });
  } else if (names.length === 1) {
    refitMetric = names[0];
  } else if (refit) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: with several scorers, refit must name the one that picks the best (one of ${names.join(', ')}) or be false.`, { field: 'refit' });
  }
  const { folds, warnings } = resolveFolds(owner, options.cv, X, y, n);

  const configured = candidates.map((p) => {
    const e = estimator.clone() as E;
    e.setParams(p);
    return e;
  });
  const per = (): Record<string, number[][]> => Object.fromEntries(names.map((k) => [k, [] as number[][]]));
  const res: GridSearchCvResults = {
    params: candidates, meanFitTime: [], stdFitTime: [], meanScoreTime: [], stdScoreTime: [],
    splitTestScores: per(), meanTestScore: {}, stdTestScore: {}, rankTestScore: {},
  };
  if (options.returnTrainScore) res.splitTrainScores = per();
  const errors: GridSearchResult<E>['errors'] = [];
  const total = candidates.length * folds.length;
  let done = 0;
  configured.forEach((est, c) => {
    const fit: number[] = [];
    const score: number[] = [];
    const test = Object.fromEntries(names.map((k) => [k, [] as number[]]));
    const train = Object.fromEntries(names.map((k) => [k, [] as number[]]));
    folds.forEach((fold, k) => {
      const o = fitAndScore(est, X, y, fold, scorers, options);
      fit.push(o.fitTime);
      score.push(o.scoreTime);
      for (const m of names) {
        test[m]!.push(o.test[m]!);
        if (o.train) train[m]!.push(o.train[m]!);
      }
      if (o.error !== undefined) errors.push({ candidate: c, fold: k, message: o.error });
      options.onProgress?.(++done, total);
    });
    const f = meanStd(fit);
    const s = meanStd(score);
    res.meanFitTime.push(f.mean);
    res.stdFitTime.push(f.std);
    res.meanScoreTime.push(s.mean);
    res.stdScoreTime.push(s.std);
    for (const m of names) {
      res.splitTestScores[m]!.push(test[m]!);
      if (res.splitTrainScores) res.splitTrainScores[m]!.push(train[m]!);
    }
  });
  const aggregate = (split: Record<string, number[][]>) => {
    const mean: Record<string, number[]> = {};
    const std: Record<string, number[]> = {};
    for (const m of names) {
      const ms = split[m]!.map(meanStd);
      mean[m] = ms.map((x) => x.mean);
      std[m] = ms.map((x) => x.std);
    }
    return { mean, std };
  };
  const t = aggregate(res.splitTestScores);
  res.meanTestScore = t.mean;
  res.stdTestScore = t.std;
  for (const m of names) res.rankTestScore[m] = rankDescending(t.mean[m]!);
  if (res.splitTrainScores) {
    const tr = aggregate(res.splitTrainScores);
    res.meanTrainScore = tr.mean;
    res.stdTrainScore = tr.std;
  }

  const out: GridSearchResult<E> = { cvResults: res, nSplits: folds.length, warnings, errors };
  if (refitMetric !== undefined) {
    const ranks = res.rankTestScore[refitMetric]!;
    const best = ranks.indexOf(Math.min(...ranks));
    out.refitMetric = refitMetric;
    out.bestIndex = best;
    out.bestParams = { ...candidates[best]! };
    out.bestScore = res.meanTestScore[refitMetric]![best]!;
    if (refit !== false) {
      const e = estimator.clone() as E;
      e.setParams(candidates[best]!);
      const t0 = performance.now();
      e.fit(X, y);
      out.refitTime = (performance.now() - t0) / 1000;
      out.bestEstimator = e;
    }
  }
  return out;
}
