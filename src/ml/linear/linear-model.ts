import { CuratorError } from '../errors.ts';
import type { ModelState } from '../base/types.ts';
import { codeValues, readCodedValues, type CodedValues } from '../base/coded-values.ts';
import { checkPredictInput } from '../base/labels.ts';
import { DenseMatrix } from '../dense/dense-matrix.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';

/**
 * The learned part every linear classifier shares: one weight row per output (one output for two
 * classes, positive = classes[1]; one per class otherwise), stored class-major like scikit-learn's coef_.
 */
export interface LinearWeights {
  classes: string[];
  nFeatures: number;
  /**
   * nOutputs × nFeatures, row-major: plain once fitted, read through codes when loaded from a
   * model file that stored them so (see CodedValues).
   */
  coef: Float64Array | CodedValues;
  /** nOutputs. */
  intercept: Float64Array;
}

/** Number of weight rows for a class count: one for binary problems, else one per class. */
export function outputCount(nClasses: number): number {
  return nClasses === 2 ? 1 : nClasses;
}

/** X · coefᵀ + intercept, one column per output, in one pass over X's stored entries. */
export function linearDecision(owner: string, X: CsrMatrix, w: LinearWeights): DenseMatrix {
  checkPredictInput(owner, X, w.nFeatures);
  const k = w.intercept.length;
  const d = w.nFeatures;
  const out = new DenseMatrix(X.nRows, k);
  const o = out.data;
  const { indptr, indices, data } = X;
  const coef = w.coef;
  if (!(coef instanceof Float64Array)) {
    codedDecision(X, d, w.intercept, coef.table, coef.codes, o);
    return out;
  }
  for (let c = 0; c < k; c++) {
    const base = c * d;
    const b = w.intercept[c]!;
    for (let i = 0; i < X.nRows; i++) {
      let s = b;
      for (let p = indptr[i]!, end = indptr[i + 1]!; p < end; p++) s += data[p]! * coef[base + indices[p]!]!;
      o[i * k + c] = s;
    }
  }
  return out;
}

/** linearDecision's loop reading each weight through its code (kept apart so each loop stays monomorphic). */
function codedDecision(X: CsrMatrix, d: number, intercept: Float64Array, table: Float64Array, codes: Uint8Array | Uint16Array, o: Float64Array): void {
  const k = intercept.length;
  const { indptr, indices, data } = X;
  for (let c = 0; c < k; c++) {
    const base = c * d;
    const b = intercept[c]!;
    for (let i = 0; i < X.nRows; i++) {
      let s = b;
      for (let p = indptr[i]!, end = indptr[i + 1]!; p < end; p++) s += data[p]! * table[codes[base + indices[p]!]!]!;
      o[i * k + c] = s;
    }
  }
}

/** The class of each row of decision values: sign for one column, argmax (first wins ties) otherwise. */
export function classesFromDecision(dec: DenseMatrix, classes: readonly string[]): string[] {
  const out = new Array<string>(dec.nRows);
  const k = dec.nCols;
  const v = dec.data;
  for (let i = 0; i < dec.nRows; i++) {
    if (k === 1) {
      out[i] = v[i]! > 0 ? classes[1]! : classes[0]!;
    } else {
      let best = 0;
      for (let c = 1; c < k; c++) if (v[i * k + c]! > v[i * k + best]!) best = c;
      out[i] = classes[best]!;
    }
  }
  return out;
}

/**
 * Writes the weights into a model state (classes and width in meta, weights as sections): coef
 * as its distinct values and a code per weight (`coefTable`, `coefCodes`) where that is much
 * smaller, else plain.
 */
export function writeLinearState(state: ModelState, w: LinearWeights): ModelState {
  state.meta.classes = [...w.classes];
  state.meta.nFeatures = w.nFeatures;
  const coded = w.coef instanceof Float64Array ? codeValues(w.coef) : w.coef;
  if (coded === undefined) state.arrays.coef = w.coef as Float64Array;
  else {
    state.arrays.coefTable = coded.table;
    state.arrays.coefCodes = coded.codes;
  }
  state.arrays.intercept = w.intercept;
  return state;
}

/** Reads weights written by writeLinearState, checking the kind and every section's shape. */
export function readLinearState(state: ModelState, kind: string): LinearWeights {
  if (!state || state.kind !== kind) {
    throw new CuratorError('MODEL_FILE_KIND', `${kind}.fromState: the state is for ${JSON.stringify(state?.kind)}, not ${kind}.`);
  }
  const corrupt = (what: string): never => {
    throw new CuratorError('MODEL_FILE_CORRUPT', `${kind}.fromState: ${what}.`);
  };
  const classes = state.meta?.classes;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string')) corrupt('meta.classes must list at least two string labels');
  const nFeatures = state.meta.nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 0) corrupt('meta.nFeatures must be a non-negative integer');
  const intercept = state.arrays?.intercept;
  const k = outputCount((classes as string[]).length);
  if (!(intercept instanceof Float64Array) || intercept.length !== k) corrupt(`the intercept section must hold ${k} float64 values`);
  let coef: Float64Array | CodedValues;
  if (state.arrays?.coefTable !== undefined) {
    const coded = readCodedValues(state.arrays.coefTable, state.arrays.coefCodes, k * (nFeatures as number));
    if (typeof coded === 'string') corrupt(`its coded coef is unusable: ${coded}`);
    coef = coded as CodedValues;
  } else {
    const plain = state.arrays?.coef;
    if (!(plain instanceof Float64Array) || plain.length !== k * (nFeatures as number)) corrupt(`the coef section must hold ${k} × ${nFeatures} float64 values`);
    coef = plain as Float64Array;
  }
  return { classes: [...(classes as string[])], nFeatures: nFeatures as number, coef, intercept: intercept as Float64Array };
}

/** The logistic function, written so that large |z| neither overflows nor loses the small side. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
