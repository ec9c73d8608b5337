import { CuratorError } from '../errors.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';

/** Labels mapped to class indices, classes sorted like numpy's `np.unique`. */
export interface EncodedLabels {
  classes: string[];
  codes: Int32Array;
}

/** Sorts by UTF-16 code units, which for the BMP matches numpy's code-point order of `np.unique`. */
export function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Checks X and y for fit and encodes y (`owner` names the call, e.g. `LinearSVC.fit`): lengths must match, labels must be strings, at least two
 * classes (unless `allowSingleClass`), features finite.
 */
export function checkFitInput(owner: string, X: CsrMatrix, y: readonly string[], options: { allowSingleClass?: boolean } = {}): EncodedLabels {
  if (!Array.isArray(y)) throw new CuratorError('INVALID_ARGUMENT', `${owner}: y must be an array of string labels.`, { field: 'y' });
  if (X.nRows !== y.length) {
    throw new CuratorError('SHAPE_MISMATCH', `${owner}: X has ${X.nRows} rows but y has ${y.length} labels; they must be the same length.`, { field: 'y' });
  }
  if (X.nRows === 0) throw new CuratorError('EMPTY_INPUT', `${owner}: X and y are empty; at least one sample is needed.`, { field: 'X' });
  for (let i = 0; i < y.length; i++) {
    if (typeof y[i] !== 'string') {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: y[${i}] is ${JSON.stringify(y[i])}; labels must be strings.`, { field: 'y' });
    }
  }
  X.assertFinite(owner);
  const classes = sortedUnique(y);
  if (classes.length < 2 && !options.allowSingleClass) {
    throw new CuratorError('SINGLE_CLASS', `${owner}: y has a single class (${JSON.stringify(classes[0])}); at least two classes are needed.`, { field: 'y' });
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  const codes = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) codes[i] = index.get(y[i]!)!;
  return { classes, codes };
}

/** Checks X at predict time: its width must match the fitted width and values must be finite. */
export function checkPredictInput(owner: string, X: CsrMatrix, nFeatures: number): void {
  if (X.nCols !== nFeatures) {
    throw new CuratorError('SHAPE_MISMATCH', `${owner}: X has ${X.nCols} features, but the model was fitted with ${nFeatures}.`, { field: 'X' });
  }
  X.assertFinite(owner);
}
