import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import type { LineObjective } from './lbfgs.ts';

/** log(1 + e^z) without overflow. */
function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * scikit-learn's lbfgs objective for logistic regression: Σ_i loss_i + ‖W‖²/(2C), the intercepts
 * not penalized. With `k === 1` the loss is the binomial one (target 0/1 per row); with k ≥ 2 it is
 * the multinomial one (target class index per row). Parameters are laid out feature-major
 * (W[j·k + c]) followed by the k intercepts, so X·W and Xᵀ·R touch contiguous memory.
 */
export class LogisticObjective implements LineObjective {
  readonly size: number;
  readonly x: Float64Array;
  slope = 0;
  private readonly n: number;
  private readonly d: number;
  private readonly k: number;
  private readonly z: Float64Array; // X·W + b at x
  private readonly zp: Float64Array; // X·P + p_b for the current direction
  private readonly r: Float64Array; // dLoss/dz at the point being evaluated
  private readonly zt: Float64Array; // scratch: one row of z + t·zp
  private p: Float64Array;
  private ww = 0; // ‖W‖² at x
  private wp = 0; // W·P_W
  private pp = 0; // ‖P_W‖²

  constructor(
    private readonly X: CsrMatrix,
    /** Binomial: 0/1 per row; multinomial: the class index per row. */
    private readonly target: Int32Array,
    k: number,
    private readonly C: number,
    private readonly fitIntercept: boolean,
  ) {
    this.n = X.nRows;
    this.d = X.nCols;
    this.k = k;
    this.size = this.d * k + (fitIntercept ? k : 0);
    this.x = new Float64Array(this.size);
    this.z = new Float64Array(this.n * k);
    this.zp = new Float64Array(this.n * k);
    this.r = new Float64Array(this.n * k);
    this.zt = new Float64Array(k);
    this.p = new Float64Array(this.size);
  }

  /** Loss and residuals r = dLoss/dz at z + t·zp (t = 0 with zp unused when `useDir` is false). */
  private lossAt(t: number, useDir: boolean): number {
    const { n, k, z, zp, r, zt, target } = this;
    let loss = 0;
    if (k === 1) {
      for (let i = 0; i < n; i++) {
        const v = useDir ? z[i]! + t * zp[i]! : z[i]!;
        const yi = target[i]!;
        loss += log1pExp(v) - (yi === 1 ? v : 0);
        const s = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
        r[i] = s - yi;
      }
      return loss;
    }
    for (let i = 0; i < n; i++) {
      const o = i * k;
      let mx = -Infinity;
      for (let c = 0; c < k; c++) {
        const v = useDir ? z[o + c]! + t * zp[o + c]! : z[o + c]!;
        zt[c] = v;
        if (v > mx) mx = v;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp(zt[c]! - mx);
        r[o + c] = e;
        sum += e;
      }
      const yi = target[i]!;
      loss += mx + Math.log(sum) - zt[yi]!;
      const inv = 1 / sum;
      for (let c = 0; c < k; c++) r[o + c] = r[o + c]! * inv;
      r[o + yi]! -= 1;
    }
    return loss;
  }

  /** Xᵀ·R + W/C (and Σ R for the intercepts) into g, scattering row by row (no transpose needed). */
  private gradient(g: Float64Array): void {
    const { n, d, k, r, x, C } = this;
    const { indptr, indices, data } = this.X;
    const invC = 1 / C;
    const m = d * k;
    for (let j = 0; j < m; j++) g[j] = x[j]! * invC;
    if (k === 1) {
      for (let i = 0; i < n; i++) {
        const ri = r[i]!;
        for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) g[indices[q]!]! += data[q]! * ri;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const ro = i * k;
        for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) {
          const v = data[q]!;
          const o = indices[q]! * k;
          for (let c = 0; c < k; c++) g[o + c]! += v * r[ro + c]!;
        }
      }
    }
    if (this.fitIntercept) {
      for (let c = 0; c < k; c++) g[m + c] = 0;
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) g[m + c]! += r[i * k + c]!;
    }
  }

  /** out = X·V_W + v_b (n × k). */
  private product(v: Float64Array, out: Float64Array): void {
    const { n, k, d } = this;
    const { indptr, indices, data } = this.X;
    const hasB = this.fitIntercept;
    for (let i = 0; i < n; i++) {
      const o = i * k;
      if (k === 1) {
        let s = hasB ? v[d]! : 0;
        for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) s += data[q]! * v[indices[q]!]!;
        out[i] = s;
      } else {
        for (let c = 0; c < k; c++) out[o + c] = hasB ? v[d * k + c]! : 0;
        for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) {
          const val = data[q]!;
          const wo = indices[q]! * k;
          for (let c = 0; c < k; c++) out[o + c]! += val * v[wo + c]!;
        }
      }
    }
  }

  private weightDot(a: Float64Array, b: Float64Array): number {
    let s = 0;
    const m = this.d * this.k;
    for (let i = 0; i < m; i++) s += a[i]! * b[i]!;
    return s;
  }

  start(g: Float64Array): number {
    this.product(this.x, this.z);
    this.ww = this.weightDot(this.x, this.x);
    const loss = this.lossAt(0, false);
    this.gradient(g);
    return loss + this.ww / (2 * this.C);
  }

  setDirection(p: Float64Array): void {
    this.p = p;
    this.product(p, this.zp);
    this.wp = this.weightDot(this.x, p);
    this.pp = this.weightDot(p, p);
  }

  along(t: number): number {
    const loss = this.lossAt(t, true);
    let s = 0;
    const { r, zp } = this;
    for (let i = 0; i < r.length; i++) s += r[i]! * zp[i]!;
    this.slope = s + (this.wp + t * this.pp) / this.C;
    return loss + (this.ww + 2 * t * this.wp + t * t * this.pp) / (2 * this.C);
  }

  accept(t: number, g: Float64Array): number {
    const { x, p, z, zp } = this;
    for (let i = 0; i < x.length; i++) x[i]! += t * p[i]!;
    for (let i = 0; i < z.length; i++) z[i]! += t * zp[i]!;
    this.ww = this.weightDot(x, x);
    const loss = this.lossAt(0, false);
    this.gradient(g);
    return loss + this.ww / (2 * this.C);
  }
}
