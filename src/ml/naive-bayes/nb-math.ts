import { CuratorError } from '../errors.ts';
import { DenseMatrix } from '../dense/dense-matrix.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';

/**
 * scikit-learn 1.2 clamps alpha below this to it (force_alpha defaults to False there), because a
 * zero count would otherwise give log(0) = -Infinity weights.
 */
export const ALPHA_LOWER_BOUND = 1e-10;

/**
 * `a[start .. start+n)` summed in the order numpy's `ndarray.sum` uses along a contiguous axis:
 * pairwise summation within buffers of 8192 values, buffers added in turn. Matching it keeps the
 * smoothed totals bit-identical to scikit-learn's.
 */
export function numpySum(a: Float64Array, start: number, n: number): number {
  let s = 0;
  for (let off = 0; off < n; off += 8192) s += pairwiseSum(a, start + off, Math.min(8192, n - off));
  return s;
}

function pairwiseSum(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[start + i]!;
    return s;
  }
  if (n <= 128) {
    let r0 = a[start]!, r1 = a[start + 1]!, r2 = a[start + 2]!, r3 = a[start + 3]!;
    let r4 = a[start + 4]!, r5 = a[start + 5]!, r6 = a[start + 6]!, r7 = a[start + 7]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const p = start + i;
      r0 += a[p]!; r1 += a[p + 1]!; r2 += a[p + 2]!; r3 += a[p + 3]!;
      r4 += a[p + 4]!; r5 += a[p + 5]!; r6 += a[p + 6]!; r7 += a[p + 7]!;
    }
    let s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) s += a[start + i]!;
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** Throws INVALID_FEATURES at the first negative value: naive Bayes counts cannot be negative. */
export function assertNonNegative(owner: string, X: CsrMatrix): void {
  const { indptr, indices, data } = X;
  for (let i = 0; i < X.nRows; i++) {
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
      if (data[k]! < 0) {
        throw new CuratorError(
          'INVALID_FEATURES',
          `${owner}: X contains the negative value ${data[k]} at row ${i}, column ${indices[k]}; naive Bayes needs non-negative features (counts or tf-idf).`,
          { field: 'X' },
        );
      }
    }
  }
}

/**
 * Adds each row of X to its class's feature counts, rows in order: the same summation order as
 * scikit-learn's `Y.T @ X`, so counts match bit for bit.
 */
export function addCounts(X: CsrMatrix, codes: Int32Array, featureCount: Float64Array, classCount: Float64Array): void {
  const d = X.nCols;
  const { indptr, indices, data } = X;
  for (let i = 0; i < X.nRows; i++) {
    const c = codes[i]!;
    const base = c * d;
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) featureCount[base + indices[k]!]! += data[k]!;
    classCount[c]! += 1;
  }
}

/** Class log priors by scikit-learn's rule: given priors, else empirical (fitPrior), else uniform. */
export function classLogPrior(owner: string, classCount: Float64Array, fitPrior: boolean, classPrior: readonly number[] | null): Float64Array {
  const k = classCount.length;
  const out = new Float64Array(k);
  if (classPrior !== null) {
    if (classPrior.length !== k) {
      throw new CuratorError('INVALID_PARAM', `${owner}: classPrior has ${classPrior.length} values but there are ${k} classes; give one prior per class.`, { field: 'classPrior' });
    }
    for (let c = 0; c < k; c++) out[c] = Math.log(classPrior[c]!);
  } else if (fitPrior) {
    // an unseen class (possible with partialFit) gets log(0) = -Infinity, as in scikit-learn
    const logTotal = Math.log(numpySum(classCount, 0, k));
    for (let c = 0; c < k; c++) out[c] = Math.log(classCount[c]!) - logTotal;
  } else {
    out.fill(-Math.log(k));
  }
  return out;
}

/**
 * X · weightsᵀ (+ prior when given), one column per class: the joint log likelihood. Each dot
 * product sums a row's entries in column order, as scipy's sparse-dense product does.
 */
export function jointLogLikelihood(X: CsrMatrix, weights: Float64Array, nClasses: number, prior: Float64Array | null): DenseMatrix {
  const d = X.nCols;
  const out = new DenseMatrix(X.nRows, nClasses);
  const o = out.data;
  const { indptr, indices, data } = X;
  for (let c = 0; c < nClasses; c++) {
    const base = c * d;
    const b = prior === null ? 0 : prior[c]!;
    for (let i = 0; i < X.nRows; i++) {
      let s = 0;
      for (let k = indptr[i]!, end = indptr[i + 1]!; k < end; k++) s += data[k]! * weights[base + indices[k]!]!;
      o[i * nClasses + c] = prior === null ? s : s + b;
    }
  }
  return out;
}

/** Row-wise `jll - logsumexp(jll)` in place, as scipy's logsumexp (max shift, then log of the sum). */
export function normalizeLogRows(jll: DenseMatrix): DenseMatrix {
  const k = jll.nCols;
  const v = jll.data;
  const tmp = new Float64Array(k);
  for (let i = 0; i < jll.nRows; i++) {
    const base = i * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (v[base + c]! > max) max = v[base + c]!;
    if (!Number.isFinite(max)) max = 0;
    for (let c = 0; c < k; c++) tmp[c] = Math.exp(v[base + c]! - max);
    const lse = Math.log(numpySum(tmp, 0, k)) + max;
    for (let c = 0; c < k; c++) v[base + c] = v[base + c]! - lse;
  }
  return jll;
}

/** Index of each row's largest value, first one on ties (numpy's argmax). */
export function argmaxRows(m: DenseMatrix): Int32Array {
  const k = m.nCols;
  const v = m.data;
  const out = new Int32Array(m.nRows);
  for (let i = 0; i < m.nRows; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (v[i * k + c]! > v[i * k + best]!) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * `jointLogLikelihood` with the weights given as one value per class and distinct count
 * (`byCount[c * distinct + codes[c * d + j]]` is weight (c, j)): the same products summed in
 * the same order, so the same bits, without building the k × d weights.
 */
export function jointLogLikelihoodByCount(
  X: CsrMatrix,
  byCount: Float64Array,
  codes: Uint8Array | Uint16Array,
  distinct: number,
  nClasses: number,
  prior: Float64Array | null,
): DenseMatrix {
  const d = X.nCols;
  const out = new DenseMatrix(X.nRows, nClasses);
  const o = out.data;
  const { indptr, indices, data } = X;
  for (let c = 0; c < nClasses; c++) {
    const base = c * d;
    const values = c * distinct;
    const b = prior === null ? 0 : prior[c]!;
    for (let i = 0; i < X.nRows; i++) {
      let s = 0;
      for (let k = indptr[i]!, end = indptr[i + 1]!; k < end; k++) s += data[k]! * byCount[values + codes[base + indices[k]!]!]!;
      o[i * nClasses + c] = prior === null ? s : s + b;
    }
  }
  return out;
}
