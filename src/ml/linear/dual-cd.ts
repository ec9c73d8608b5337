import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import type { LinearRandom } from './random.ts';
import { rowAxpy, rowDot } from './sparse-rows.ts';

/** Settings of one binary dual coordinate descent run (liblinear's L2-regularized SVC solvers). */
export interface DualCdOptions {
  C: number;
  loss: 'hinge' | 'squared_hinge';
  tol: number;
  maxIter: number;
  /** Value of the constant extra feature, or 0 for no intercept. */
  bias: number;
  rng: LinearRandom;
}

/** Per-row squared norms, computed once and shared by every one-vs-rest problem. */
export function rowSquaredNorms(X: CsrMatrix): Float64Array {
  const out = new Float64Array(X.nRows);
  const { indptr, data } = X;
  for (let i = 0; i < X.nRows; i++) {
    let s = 0;
    for (let p = indptr[i]!, end = indptr[i + 1]!; p < end; p++) s += data[p]! * data[p]!;
    out[i] = s;
  }
  return out;
}

/**
 * Solves min_w ½‖w‖² + C Σ ξ(y_i w·x_i) with ξ the hinge or squared hinge, through its dual, by
 * liblinear's coordinate descent (Hsieh et al. 2008): a random order per outer pass, shrinking of
 * variables stuck at a bound, and the stop when the projected-gradient spread falls below tol (then
 * a last pass over every variable confirms it). The intercept is the weight of an extra feature of
 * value `bias`, so it is regularized as in liblinear. `sign[i]` is +1 or -1.
 * Writes w (length nCols) and returns [bias weight, outer iterations].
 */
export function solveDualCd(X: CsrMatrix, sign: Int8Array, sqNorms: Float64Array, o: DualCdOptions, w: Float64Array): [number, number] {
  const l = X.nRows;
  const { indptr, indices, data } = X;
  // the squared hinge puts 1/(2C) on the diagonal and has no upper bound; the hinge has a box [0, C]
  const diag = o.loss === 'squared_hinge' ? 0.5 / o.C : 0;
  const upper = o.loss === 'squared_hinge' ? Infinity : o.C;
  const bias = o.bias;
  const bb = bias * bias;
  const qd = new Float64Array(l);
  for (let i = 0; i < l; i++) qd[i] = sqNorms[i]! + bb + diag;
  const alpha = new Float64Array(l);
  const index = new Int32Array(l);
  for (let i = 0; i < l; i++) index[i] = i;
  w.fill(0);
  let wb = 0;
  let activeSize = l;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let iter = 0;
  const rng = o.rng;
  while (iter < o.maxIter) {
    let pgMaxNew = -Infinity;
    let pgMinNew = Infinity;
    for (let i = 0; i < activeSize; i++) {
      const j = i + rng.nextInt(activeSize - i);
      const t = index[i]!;
      index[i] = index[j]!;
      index[j] = t;
    }
    for (let s = 0; s < activeSize; s++) {
      const i = index[s]!;
      const yi = sign[i]!;
      const start = indptr[i]!;
      const end = indptr[i + 1]!;
      const dot = rowDot(w, indices, data, start, end) + wb * bias;
      const ai = alpha[i]!;
      const G = yi * dot - 1 + ai * diag;
      let pg = 0;
      if (ai === 0) {
        if (G > pgMaxOld) {
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        } else if (G < 0) pg = G;
      } else if (ai === upper) {
        if (G < pgMinOld) {
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        } else if (G > 0) pg = G;
      } else pg = G;
      if (pg > pgMaxNew) pgMaxNew = pg;
      if (pg < pgMinNew) pgMinNew = pg;
      if (Math.abs(pg) > 1e-12) {
        let a = ai - G / qd[i]!;
        if (a < 0) a = 0;
        else if (a > upper) a = upper;
        alpha[i] = a;
        const d = (a - ai) * yi;
        rowAxpy(w, indices, data, start, end, d);
        wb += d * bias;
      }
    }
    iter++;
    if (pgMaxNew - pgMinNew <= o.tol) {
      if (activeSize === l) break;
      // converged on the shrunk set: check once more over every variable before stopping
      activeSize = l;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMaxNew > 0 ? pgMaxNew : Infinity;
    pgMinOld = pgMinNew < 0 ? pgMinNew : -Infinity;
  }
  return [wb, iter];
}
