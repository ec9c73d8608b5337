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
  // the squared hinge puts 1/(2C) on the diagonal and has no upper bound; the hinge has a box [0, C]
  const diag = o.loss === 'squared_hinge' ? 0.5 / o.C : 0;
  const upper = o.loss === 'squared_hinge' ? Infinity : o.C;
  const bias = o.bias;
  const bb = bias * bias;
  const qd = new Float64Array(l);
  for (let i = 0; i < l; i++) qd[i] = sqNorms[i]! + bb + diag;
  const ys = new Float64Array(l);
  for (let i = 0; i < l; i++) ys[i] = sign[i]!;
  const alpha = new Float64Array(l);
  const index = new Int32Array(l);
  for (let i = 0; i < l; i++) index[i] = i;
  w.fill(0);
  const st: SweepState = { wb: 0, activeSize: l, pgMax: 0, pgMin: 0 };
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let iter = 0;
  const rng = o.rng;
  while (iter < o.maxIter) {
    const activeSize = st.activeSize;
    for (let i = 0; i < activeSize; i++) {
      // one 32-bit draw per swap, as liblinear's rand() % n: the modulo bias (n / 2³²) is immaterial here
      const j = i + (rng.nextUint32() % (activeSize - i));
      const t = index[i]!;
      index[i] = index[j]!;
      index[j] = t;
    }
    sweep(X, ys, qd, alpha, index, w, diag, upper, bias, pgMaxOld, pgMinOld, st);
    iter++;
    if (st.pgMax - st.pgMin <= o.tol) {
      if (st.activeSize === l) break;
      // converged on the shrunk set: check once more over every variable before stopping
      st.activeSize = l;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = st.pgMax > 0 ? st.pgMax : Infinity;
    pgMinOld = st.pgMin < 0 ? st.pgMin : -Infinity;
  }
  return [st.wb, iter];
}

/** What one sweep carries over: the bias weight, the active count, and the projected-gradient range seen. */
interface SweepState {
  wb: number;
  activeSize: number;
  pgMax: number;
  pgMin: number;
}

/**
 * One pass over the active variables in `index` order, shrinking those stuck at a bound whose
 * gradient points outward beyond last pass's range. Kept apart from the outer loop so that V8
 * optimizes this loop as a whole function rather than through on-stack replacement.
 */
function sweep(
  X: CsrMatrix,
  ys: Float64Array,
  qd: Float64Array,
  alpha: Float64Array,
  index: Int32Array,
  w: Float64Array,
  diag: number,
  upper: number,
  bias: number,
  pgMaxOld: number,
  pgMinOld: number,
  st: SweepState,
): void {
  const { indptr, indices, data } = X;
  let activeSize = st.activeSize;
  let wb = st.wb;
  let pgMaxNew = -Infinity;
  let pgMinNew = Infinity;
  for (let s = 0; s < activeSize; s++) {
    const i = index[s]!;
    const yi = ys[i]!;
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
  st.wb = wb;
  st.activeSize = activeSize;
  st.pgMax = pgMaxNew;
  st.pgMin = pgMinNew;
}
