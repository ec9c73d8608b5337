import { CuratorError } from '../errors.ts';
import { DenseMatrix } from '../dense/dense-matrix.ts';
import { checkLabelList, checkLabels, checkOptionKeys, encode, labelIndex, uniqueLabels, type Label } from './labels.ts';

/** Scores: one per sample (binary), or a samples × classes matrix of probabilities (multiclass). */
export type ScoreInput = ArrayLike<number> | DenseMatrix | readonly (readonly number[])[];

/** Options of {@link rocAucScore}. */
export interface RocAucOptions {
  /** Multiclass only: how the one-vs-rest AUCs combine (default 'macro'); null returns one per class. */
  average?: 'macro' | 'weighted' | 'micro' | null;
  /** Multiclass only: 'ovr' (one-vs-rest); the default 'raise' refuses multiclass input, as scikit-learn. */
  multiClass?: 'raise' | 'ovr';
  /** Multiclass only: the classes of the score columns, sorted (default: sorted labels of yTrue). */
  labels?: readonly Label[];
}

/**
 * AUC of one binary problem (`isPos[i]` marks positives) as the Mann–Whitney statistic: the share
 * of (positive, negative) pairs ranked right, ties counting half. It equals the trapezoid area
 * under roc_curve's points, and needs only two native numeric sorts (no comparator callback).
 */
function binaryAuc(owner: string, isPos: Uint8Array, score: Float64Array): number {
  const n = score.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += isPos[i]!;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: only one class present in yTrue; ROC AUC is not defined in that case.`, { field: 'yTrue' });
  }
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (isPos[i]) pos[p++] = score[i]!;
    else neg[q++] = score[i]!;
  }
  pos.sort();
  neg.sort();
  // Twice the count of correctly ordered pairs (ties once): integers, exact below 2^53.
  let twice = 0;
  let lt = 0;
  let le = 0;
  for (let p = 0; p < nPos; p++) {
    const s = pos[p]!;
    while (lt < nNeg && neg[lt]! < s) lt++;
    if (le < lt) le = lt;
    while (le < nNeg && neg[le]! <= s) le++;
    twice += lt + le;
  }
  return twice / 2 / (nPos * nNeg);
}

function toColumns(owner: string, s: ScoreInput, n: number): { cols: number; get: (i: number, j: number) => number } {
  if (s instanceof DenseMatrix) {
    if (s.nRows !== n) throw new CuratorError('SHAPE_MISMATCH', `${owner}: yScore has ${s.nRows} rows but yTrue has ${n} labels.`, { field: 'yScore' });
    return { cols: s.nCols, get: (i, j) => s.data[i * s.nCols + j]! };
  }
  if (s === null || typeof s !== 'object' || typeof (s as ArrayLike<number>).length !== 'number') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: yScore must be an array of scores or a matrix of probabilities.`, { field: 'yScore' });
  }
  if (s.length !== n) throw new CuratorError('SHAPE_MISMATCH', `${owner}: yScore has ${s.length} entries but yTrue has ${n} labels.`, { field: 'yScore' });
  if (n > 0 && Array.isArray(s[0])) {
    const rows = s as readonly (readonly number[])[];
    const cols = rows[0]!.length;
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== cols) throw new CuratorError('SHAPE_MISMATCH', `${owner}: yScore row ${i} does not have ${cols} columns.`, { field: 'yScore' });
    });
    return { cols, get: (i, j) => rows[i]![j]! };
  }
  const v = s as ArrayLike<number>;
  return { cols: 1, get: (i) => v[i]! };
}

function column(owner: string, m: { get: (i: number, j: number) => number }, n: number, j: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = m.get(i, j);
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: yScore[${i}]${m.get.length > 1 ? `[${j}]` : ''} is ${x}; scores must be finite numbers.`, { field: 'yScore' });
    }
    out[i] = x;
  }
  return out;
}

/**
 * Area under the ROC curve, as scikit-learn's `roc_auc_score`. Binary: `yScore` holds the score of
 * the greater label (e.g. 'spam' of ham/spam; a decision function or P(positive)). Multiclass:
 * `yScore` is the probability matrix (columns = sorted classes) and `multiClass: 'ovr'` averages
 * the one-vs-rest AUCs (average null: one AUC per class).
 *
 * @example
 *   rocAucScore(['ham', 'spam', 'spam', 'ham'], [0.1, 0.4, 0.35, 0.8]); // 0.5
 */
export function rocAucScore(yTrue: readonly Label[], yScore: ScoreInput, options: RocAucOptions & { average: null }): number | Float64Array;
export function rocAucScore(yTrue: readonly Label[], yScore: ScoreInput, options?: RocAucOptions): number;
export function rocAucScore(yTrue: readonly Label[], yScore: ScoreInput, options: RocAucOptions = {}): number | Float64Array {
  const owner = 'rocAucScore';
  checkOptionKeys(owner, options, ['average', 'multiClass', 'labels']);
  const present = checkLabels(owner, yTrue);
  const n = yTrue.length;
  const m = toColumns(owner, yScore, n);
  if (present.length <= 2 && m.cols <= 2) {
    // Binary: the positive class is the greater label; a 2-column matrix gives its column 1.
    const pos = present[present.length - 1];
    const isPos = new Uint8Array(n);
    for (let i = 0; i < n; i++) isPos[i] = yTrue[i] === pos ? 1 : 0;
    return binaryAuc(owner, isPos, column(owner, m, n, m.cols - 1));
  }
  return multiclassOvr(owner, yTrue, m, options);
}

function multiclassOvr(owner: string, yTrue: readonly Label[], m: { cols: number; get: (i: number, j: number) => number }, options: RocAucOptions): number | Float64Array {
  const n = yTrue.length;
  const multiClass = options.multiClass ?? 'raise';
  const average = options.average === undefined ? 'macro' : options.average;
  if (!['macro', 'weighted', 'micro', null].includes(average)) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: average must be one of "macro", "weighted", "micro", null for multiclass problems. Got ${JSON.stringify(average)} instead.`, { field: 'average' });
  }
  if (multiClass !== 'ovr') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: multiclass ROC AUC needs multiClass: "ovr" (got ${JSON.stringify(multiClass)}); yScore must then hold class probabilities.`, { field: 'multiClass' });
  }
  const cols: Float64Array[] = [];
  for (let j = 0; j < m.cols; j++) cols.push(column(owner, m, n, j));
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += cols[j]![i]!;
    if (!(Math.abs(s - 1) <= 1e-8 + 1e-5 * Math.abs(s))) {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: yScore row ${i} sums to ${s}; multiclass ROC AUC needs probabilities that sum to 1 over classes.`, { field: 'yScore' });
    }
  }
  const given = checkLabelList(owner, options.labels, yTrue);
  let classes: Label[];
  if (given !== undefined) {
    const sorted = uniqueLabels(given);
    if (sorted.length !== given.length) throw new CuratorError('INVALID_ARGUMENT', `${owner}: labels must be unique.`, { field: 'labels' });
    if (sorted.some((l, i) => l !== given[i])) throw new CuratorError('INVALID_ARGUMENT', `${owner}: labels must be sorted.`, { field: 'labels' });
    if (given.length !== m.cols) throw new CuratorError('SHAPE_MISMATCH', `${owner}: ${given.length} labels given but yScore has ${m.cols} columns.`, { field: 'labels' });
    const known = new Set(given);
    const stray = yTrue.find((l) => !known.has(l));
    if (stray !== undefined) throw new CuratorError('UNKNOWN_LABEL', `${owner}: yTrue holds ${JSON.stringify(stray)}, which is not in labels.`, { field: 'yTrue' });
    classes = given;
  } else {
    classes = uniqueLabels(yTrue);
    if (classes.length !== m.cols) {
      throw new CuratorError('SHAPE_MISMATCH', `${owner}: yTrue holds ${classes.length} classes but yScore has ${m.cols} columns; pass labels to name the columns.`, { field: 'yScore' });
    }
  }
  const codes = encode(yTrue, labelIndex(classes));
  const k = classes.length;
  if (average === 'micro') {
    const isPos = new Uint8Array(n * k);
    const score = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      isPos[i * k + codes[i]!] = 1;
      for (let j = 0; j < k; j++) score[i * k + j] = cols[j]![i]!;
    }
    return binaryAuc(owner, isPos, score);
  }
  const weights = new Float64Array(k);
  for (let i = 0; i < n; i++) weights[codes[i]!]!++;
  const scores = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const isPos = Uint8Array.from(codes, (c) => (c === j ? 1 : 0));
    scores[j] = binaryAuc(owner, isPos, cols[j]!);
  }
  if (average === null) return scores;
  let s = 0;
  let ws = 0;
  for (let j = 0; j < k; j++) {
    const w = average === 'weighted' ? weights[j]! : 1;
    s += scores[j]! * w;
    ws += w;
  }
  return s / ws;
}
