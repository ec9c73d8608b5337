import { CuratorError } from '../errors.ts';
import { DenseMatrix } from '../dense/dense-matrix.ts';
import { checkLabelList, checkLabels, checkOptionKeys, encode, labelIndex, uniqueLabels, type Label } from './labels.ts';

/** Options of {@link logLoss}. */
export interface LogLossOptions {
  /**
   * Probabilities are clipped to [eps, 1 - eps]. 'auto' (default, scikit-learn 1.2) uses the
   * float64 machine epsilon 2.22e-16; older scikit-learn used 1e-15.
   */
  eps?: number | 'auto';
  /** true (default): mean loss per sample; false: the sum. */
  normalize?: boolean;
  /** The classes of the probability columns, in column order once sorted (default: sorted labels of yTrue). */
  labels?: readonly Label[];
}

/**
 * Cross-entropy loss −Σ log p(true class), as scikit-learn 1.2's `log_loss`: probabilities are
 * clipped and each row renormalized. `yProba` is a samples × classes matrix (columns = sorted
 * classes) or, for two classes, one P(greater class) per sample.
 *
 * @example
 *   logLoss(['ham', 'spam'], [[0.9, 0.1], [0.2, 0.8]]); // 0.164…
 */
export function logLoss(yTrue: readonly Label[], yProba: ArrayLike<number> | DenseMatrix | readonly (readonly number[])[], options: LogLossOptions = {}): number {
  const owner = 'logLoss';
  checkOptionKeys(owner, options, ['eps', 'normalize', 'labels']);
  const eps = options.eps === undefined || options.eps === 'auto' ? Number.EPSILON : options.eps;
  if (typeof eps !== 'number' || !(eps >= 0 && eps < 0.5)) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: eps must be "auto" or a number in [0, 0.5). Got ${JSON.stringify(options.eps)} instead.`, { field: 'eps' });
  }
  checkLabels(owner, yTrue);
  const n = yTrue.length;
  const given = checkLabelList(owner, options.labels, yTrue);
  const classes = uniqueLabels(given ?? yTrue);
  if (classes.length < 2) {
    throw new CuratorError('INVALID_ARGUMENT', given
      ? `${owner}: labels must hold at least two labels; got ${JSON.stringify(classes)}.`
      : `${owner}: yTrue holds the single label ${JSON.stringify(classes[0])}; pass the true labels explicitly with the labels option.`, { field: 'labels' });
  }
  const codes = encode(yTrue, labelIndex(classes));
  const stray = codes.indexOf(-1);
  if (stray >= 0) throw new CuratorError('UNKNOWN_LABEL', `${owner}: yTrue[${stray}] is ${JSON.stringify(yTrue[stray])}, which is not in labels.`, { field: 'yTrue' });

  const { cols, get } = probaColumns(owner, yProba, n);
  const k = cols === 1 ? 2 : cols;
  if (k !== classes.length) {
    throw new CuratorError('SHAPE_MISMATCH', given
      ? `${owner}: labels holds ${classes.length} classes but yProba has ${k} columns.`
      : `${owner}: yTrue holds ${classes.length} classes but yProba has ${k} columns; pass the labels option to name the columns.`, { field: 'yProba' });
  }
  const row = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    // Same order of operations as scikit-learn: clip, complete a one-column input, renormalize.
    if (cols === 1) {
      const p = clip(get(i, 0), eps, owner, i);
      row[0] = 1 - p;
      row[1] = p;
    } else {
      for (let j = 0; j < k; j++) row[j] = clip(get(i, j), eps, owner, i);
    }
    let s = 0;
    for (let j = 0; j < k; j++) s += row[j]!;
    total -= Math.log(row[codes[i]!]! / s);
  }
  return options.normalize === false ? total : total / n;
}

function clip(p: number, eps: number, owner: string, i: number): number {
  if (typeof p !== 'number' || Number.isNaN(p)) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: yProba row ${i} holds ${p}; probabilities must be numbers.`, { field: 'yProba' });
  }
  return p < eps ? eps : p > 1 - eps ? 1 - eps : p;
}

function probaColumns(owner: string, s: ArrayLike<number> | DenseMatrix | readonly (readonly number[])[], n: number): { cols: number; get: (i: number, j: number) => number } {
  if (s instanceof DenseMatrix) {
    if (s.nRows !== n) throw new CuratorError('SHAPE_MISMATCH', `${owner}: yProba has ${s.nRows} rows but yTrue has ${n} labels.`, { field: 'yProba' });
    return { cols: s.nCols, get: (i, j) => s.data[i * s.nCols + j]! };
  }
  if (s === null || typeof s !== 'object' || typeof (s as ArrayLike<number>).length !== 'number') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: yProba must be a matrix of probabilities or an array of P(positive).`, { field: 'yProba' });
  }
  if (s.length !== n) throw new CuratorError('SHAPE_MISMATCH', `${owner}: yProba has ${s.length} rows but yTrue has ${n} labels.`, { field: 'yProba' });
  if (Array.isArray(s[0])) {
    const rows = s as readonly (readonly number[])[];
    const cols = rows[0]!.length;
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== cols) throw new CuratorError('SHAPE_MISMATCH', `${owner}: yProba row ${i} does not have ${cols} columns.`, { field: 'yProba' });
    });
    return { cols, get: (i, j) => rows[i]![j]! };
  }
  const v = s as ArrayLike<number>;
  return { cols: 1, get: (i) => v[i]! };
}
