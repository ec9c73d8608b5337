import { BaseEstimator } from '../base/base-estimator.ts';
import { checkFitInput, checkPredictInput } from '../base/labels.ts';
import { is, type ParamTable } from '../base/params.ts';
import type { Classifier, ModelState } from '../base/types.ts';
import { DenseMatrix } from '../dense/dense-matrix.ts';
import { CuratorError } from '../errors.ts';
import { CsrMatrix } from '../sparse/csr-matrix.ts';
import { NeighbourIndex, type NeighbourIndexArrays, type NeighbourMetric } from './neighbour-index.ts';

/** Parameters of KNeighborsClassifier (scikit-learn's names in camelCase). */
export type KNeighborsClassifierParams = {
  /** Neighbours that vote. */
  nNeighbors: number;
  /** 'uniform': one vote each; 'distance': votes weighted by 1/distance (zero-distance neighbours alone vote when any exist). */
  weights: 'uniform' | 'distance';
  /** 'euclidean' is scikit-learn's default (minkowski with p = 2); 'cosine' is 1 − cosine similarity. */
  metric: NeighbourMetric;
};

const TABLE: ParamTable<KNeighborsClassifierParams> = {
  nNeighbors: { default: 5, allowed: [is.int({ min: 1 })] },
  weights: { default: 'uniform', allowed: [is.oneOf('uniform', 'distance')] },
  metric: { default: 'euclidean', allowed: [is.oneOf('cosine', 'euclidean')] },
};

/** The k nearest training rows of each query row, row-major, nearest first. */
export interface Neighbours {
  /** nQueries × k training row numbers. */
  indices: Int32Array;
  /** nQueries × k distances. */
  distances: DenseMatrix;
}

interface KnnState {
  classes: string[];
  /** Class index of each training row. */
  labels: Int32Array;
  /** The metric the index was built with (like scikit-learn's effective_metric_, fixed at fit). */
  index: NeighbourIndex;
}

/**
 * k-nearest-neighbours classifier over sparse rows, brute force like scikit-learn's
 * KNeighborsClassifier(algorithm='brute') and with its results: the same neighbours, votes,
 * predictions and probabilities (distances are bit-identical; equal distances are ordered by
 * training row, smaller first). Queries go through a pruned index (see NeighbourIndex), so a
 * query costs a fraction of a pass over the training data. nNeighbors and weights are read at
 * predict time; the metric is fixed at fit, as in scikit-learn. For euclidean the index shares the
 * training matrix's values: do not change X after fit. The saved state is the index itself, so a
 * load makes views and rebuilds nothing.
 *
 * @example
 *   const knn = new KNeighborsClassifier({ nNeighbors: 5, weights: 'distance', metric: 'cosine' }).fit(Xtrain, ytrain);
 *   knn.predict(Xtest); knn.kneighbors(Xtest.selectRows([0])).indices; // the 5 nearest training rows
 */
export class KNeighborsClassifier extends BaseEstimator<KNeighborsClassifierParams> implements Classifier {
  private state_: KnnState | undefined;

  constructor(params: Partial<KNeighborsClassifierParams> = {}) {
    super('KNeighborsClassifier', TABLE, params);
  }

  get isFitted(): boolean {
    return this.state_ !== undefined;
  }

  get classes(): readonly string[] {
    return this.fitted('classes').classes;
  }

  /** Keeps the training rows and labels and builds the inverted index. */
  fit(X: CsrMatrix, y: readonly string[]): this {
    const { classes, codes } = checkFitInput('KNeighborsClassifier.fit', X, y);
    this.checkK('KNeighborsClassifier.fit', this.params.nNeighbors, X.nRows);
    this.state_ = { classes, labels: codes, index: new NeighbourIndex(X, this.params.metric) };
    return this;
  }

  /** The nNeighbors (or `nNeighbors`) nearest training rows of each row of X, nearest first. */
  kneighbors(X: CsrMatrix, nNeighbors: number = this.params.nNeighbors): Neighbours {
    const s = this.fitted('kneighbors');
    checkPredictInput('KNeighborsClassifier.kneighbors', X, s.index.nFeatures);
    if (!Number.isInteger(nNeighbors) || nNeighbors < 1) {
      throw new CuratorError('INVALID_ARGUMENT', `KNeighborsClassifier.kneighbors: nNeighbors must be an int ≥ 1. Got ${nNeighbors} instead.`, { field: 'nNeighbors' });
    }
    this.checkK('KNeighborsClassifier.kneighbors', nNeighbors, s.index.nTrain);
    const k = nNeighbors;
    const indices = new Int32Array(X.nRows * k);
    const distances = new DenseMatrix(X.nRows, k);
    for (let i = 0; i < X.nRows; i++) s.index.query(X, i, k, indices, distances.data, i * k);
    return { indices, distances };
  }

  predict(X: CsrMatrix): string[] {
    const s = this.fitted('predict');
    const out = new Array<string>(X.nRows);
    this.vote(X, 'predict', (i, votes) => {
      let best = 0;
      for (let c = 1; c < votes.length; c++) if (votes[c]! > votes[best]!) best = c;
      out[i] = s.classes[best]!;
    });
    return out;
  }

  /** Weighted vote shares per class, one row per document (scikit-learn's predict_proba). */
  predictProba(X: CsrMatrix): DenseMatrix {
    const nClasses = this.fitted('predictProba').classes.length;
    const out = new DenseMatrix(X.nRows, nClasses);
    const o = out.data;
    this.vote(X, 'predictProba', (i, votes) => {
      let sum = 0;
      for (let c = 0; c < nClasses; c++) sum += votes[c]!;
      if (sum === 0) sum = 1;
      for (let c = 0; c < nClasses; c++) o[i * nClasses + c] = votes[c]! / sum;
    });
    return out;
  }

  toState(): ModelState {
    const s = this.fitted('toState');
    const state = this.baseState();
    state.meta.classes = [...s.classes];
    state.meta.nFeatures = s.index.nFeatures;
    state.meta.nTrain = s.index.nTrain;
    state.meta.metric = s.index.metric;
    Object.assign(state.arrays, s.index.arrays);
    state.arrays.labels = s.labels;
    return state;
  }

  /**
   * Rebuilds a fitted KNeighborsClassifier from toState()'s output: the index sections are used as
   * they are (checked, not copied). A state holding the training matrix instead (indptr, indices,
   * data; older files) is indexed again.
   */
  static fromState(state: ModelState): KNeighborsClassifier {
    const kind = 'KNeighborsClassifier';
    if (!state || state.kind !== kind) {
      throw new CuratorError('MODEL_FILE_KIND', `${kind}.fromState: the state is for ${JSON.stringify(state?.kind)}, not ${kind}.`);
    }
    const corrupt = (what: string): never => {
      throw new CuratorError('MODEL_FILE_CORRUPT', `${kind}.fromState: ${what}.`);
    };
    const { classes, nFeatures, nTrain, metric } = state.meta ?? {};
    if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string')) corrupt('meta.classes must list at least two string labels');
    const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (!isCount(nFeatures)) corrupt('meta.nFeatures must be a non-negative integer');
    if (!isCount(nTrain) || nTrain < 1) corrupt('meta.nTrain must be a positive integer');
    if (metric !== 'cosine' && metric !== 'euclidean') corrupt('meta.metric must be "cosine" or "euclidean"');
    const arrays = state.arrays ?? {};
    const n = nTrain as number;
    const d = nFeatures as number;
    const k = (classes as string[]).length;
    const labels = arrays['labels'];
    if (!(labels instanceof Int32Array) || labels.length !== n) corrupt(`the labels section must hold ${n} int32 values`);
    for (const c of labels as Int32Array) if (c < 0 || c >= k) corrupt(`the labels section holds class ${c}, outside 0..${k - 1}`);
    const index = 'indptr' in arrays
      ? new NeighbourIndex(legacyMatrix(arrays, n, d, corrupt), metric as NeighbourMetric)
      : NeighbourIndex.fromArrays(arrays as Partial<Record<keyof NeighbourIndexArrays, unknown>>, metric as NeighbourMetric, n, d, corrupt);
    const m = new KNeighborsClassifier(state.params as Partial<KNeighborsClassifierParams>);
    m.state_ = { classes: [...(classes as string[])], labels: labels as Int32Array, index };
    return m;
  }

  /** Runs the neighbour vote for each row of X and hands the per-class vote totals to `emit`. */
  private vote(X: CsrMatrix, method: string, emit: (row: number, votes: Float64Array) => void): void {
    const s = this.fitted(method);
    const owner = `KNeighborsClassifier.${method}`;
    checkPredictInput(owner, X, s.index.nFeatures);
    const k = this.params.nNeighbors;
    this.checkK(owner, k, s.index.nTrain);
    const distanceWeights = this.params.weights === 'distance';
    const rows = new Int32Array(k);
    const dist = new Float64Array(k);
    const votes = new Float64Array(s.classes.length);
    const labels = s.labels;
    for (let i = 0; i < X.nRows; i++) {
      s.index.query(X, i, k, rows, dist, 0);
      votes.fill(0);
      // scikit-learn: when a neighbour is at distance 0, only the zero-distance neighbours vote (weight 1 each)
      let exact = false;
      if (distanceWeights) for (let t = 0; t < k; t++) if (dist[t] === 0) exact = true;
      for (let t = 0; t < k; t++) {
        const w = !distanceWeights ? 1 : exact ? (dist[t] === 0 ? 1 : 0) : 1 / dist[t]!;
        votes[labels[rows[t]!]!]! += w;
      }
      emit(i, votes);
    }
  }

  private checkK(owner: string, k: number, nTrain: number): void {
    if (k > nTrain) {
      throw new CuratorError(
        'INVALID_PARAM',
        `${owner}: nNeighbors is ${k}, but there are only ${nTrain} training samples; nNeighbors must be ≤ the number of training samples.`,
        { field: 'nNeighbors' },
      );
    }
  }

  private fitted(method: string): KnnState {
    this.assertFitted(method);
    return this.state_!;
  }
}

/** The training matrix of a state saved before the index was stored (checked). */
function legacyMatrix(arrays: ModelState['arrays'], n: number, d: number, corrupt: (what: string) => never): CsrMatrix {
  const { indptr, indices, data } = arrays;
  if (!(indptr instanceof Int32Array) || indptr.length !== n + 1 || indptr[0] !== 0) corrupt(`the indptr section must hold ${n + 1} int32 values starting at 0`);
  const ip = indptr as Int32Array;
  for (let i = 0; i < n; i++) if (ip[i + 1]! < ip[i]!) corrupt('the indptr section must not decrease');
  const nnz = ip[n]!;
  if (!(indices instanceof Int32Array) || indices.length !== nnz) corrupt(`the indices section must hold ${nnz} int32 values`);
  if (!(data instanceof Float64Array) || data.length !== nnz) corrupt(`the data section must hold ${nnz} float64 values`);
  for (const j of indices as Int32Array) if (j < 0 || j >= d) corrupt(`the indices section holds column ${j}, outside 0..${d - 1}`);
  return new CsrMatrix(n, d, ip, indices as Int32Array, data as Float64Array);
}
