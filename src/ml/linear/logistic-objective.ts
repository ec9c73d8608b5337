import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import type { LineObjective } from './lbfgs.ts';
import { rowAxpy, rowDot } from './sparse-rows.ts';

/** log(1 + e^z) without overflow. */
function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * scikit-learn's lbfgs objective for logistic regression: Σ_i loss_i + ‖W‖²/(2C), the intercepts
 * not penalized. With `k === 1` the loss is the binomial one (target 0/1 per row); with k ≥ 2 it is
 * the multinomial one (target class index per row).
 *
 * The weights are kept as W = Xᵀ·A (d × k, feature-major) through per-document coordinates A
 * (n × k), followed by the k intercepts. L-BFGS started at 0 never leaves that subspace: every
 * gradient Xᵀ·(R + A/C) lies in it, and so does every step built from gradients. The solver's
 * bookkeeping then runs on n·k numbers instead of d·k (text has ~30× more features than documents),
 * with θ-space inner products through the image K·u = X·(Xᵀ·u): ⟨Xᵀa, Xᵀb⟩ = a·(K·b). An iteration
 * costs one scatter Xᵀ·γ (which is the gradient, needed anyway for the gtol test) and one gather
 * X·(Xᵀ·γ); the image of a step direction is a combination of stored images, so moving along it
 * needs no pass over X at all.
 */
export class LogisticObjective implements LineObjective {
  readonly size: number;
  readonly x: Float64Array;
  slope = 0;
  gradMax = Infinity;
  private readonly n: number;
  private readonly d: number;
  private readonly k: number;
  private readonly nk: number;
  private readonly kx: Float64Array; // K·A: the image of the current weight coordinates
  private readonly z: Float64Array; // X·W + b at x
  private readonly zp: Float64Array; // X·P + p_b for the current direction
  private readonly r: Float64Array; // dLoss/dz at the point being evaluated
  private readonly zt: Float64Array; // scratch: one row of z + t·zp
  private readonly gw: Float64Array; // scratch: the weight gradient Xᵀ·γ, d × k feature-major
  private p: Float64Array;
  private mp: Float64Array;
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
    this.nk = this.n * k;
    this.size = this.nk + (fitIntercept ? k : 0);
    this.x = new Float64Array(this.size);
    this.kx = new Float64Array(this.nk);
    this.z = new Float64Array(this.nk);
    this.zp = new Float64Array(this.nk);
    this.r = new Float64Array(this.nk);
    this.zt = new Float64Array(k);
    this.gw = new Float64Array(this.d * k);
    this.p = new Float64Array(this.size);
    this.mp = this.p;
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

  /**
   * The gradient at the evaluated point: coordinates γ = R + A/C (and Σ R for the intercepts) into g,
   * the weight gradient Xᵀ·γ into gw (its max |·| is gradMax), and the image X·(Xᵀ·γ) into mg.
   */
  private gradient(g: Float64Array, mg: Float64Array): void {
    const { n, d, k, nk, r, x, gw, C } = this;
    const { indptr, indices, data } = this.X;
    const invC = 1 / C;
    for (let i = 0; i < nk; i++) g[i] = r[i]! + x[i]! * invC;
    gw.fill(0);
    if (k === 1) {
      for (let i = 0; i < n; i++) rowAxpy(gw, indices, data, indptr[i]!, indptr[i + 1]!, g[i]!);
    } else {
      for (let i = 0; i < n; i++) {
        const ro = i * k;
        for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) {
          const v = data[q]!;
          const o = indices[q]! * k;
          for (let c = 0; c < k; c++) gw[o + c]! += v * g[ro + c]!;
        }
      }
    }
    let gmax = 0;
    for (let j = 0; j < d * k; j++) {
      const v = Math.abs(gw[j]!);
      if (v > gmax) gmax = v;
    }
    if (k === 1) {
      for (let i = 0; i < n; i++) mg[i] = rowDot(gw, indices, data, indptr[i]!, indptr[i + 1]!);
    } else {
      for (let i = 0; i < n; i++) {
        const o = i * k;
        for (let c = 0; c < k; c++) mg[o + c] = 0;
        for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) {
          const v = data[q]!;
          const wo = indices[q]! * k;
          for (let c = 0; c < k; c++) mg[o + c]! += v * gw[wo + c]!;
        }
      }
    }
    if (this.fitIntercept) {
      // the intercepts are their own coordinates (Φ = I there), so their image is themselves
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += r[i * k + c]!;
        g[nk + c] = s;
        mg[nk + c] = s;
        if (Math.abs(s) > gmax) gmax = Math.abs(s);
      }
    }
    this.gradMax = gmax;
  }

  private coordDot(a: Float64Array, b: Float64Array): number {
    let s = 0;
    for (let i = 0; i < this.nk; i++) s += a[i]! * b[i]!;
    return s;
  }

  /** z = K·A + b at the current point, ‖W‖², then the loss and gradient there. */
  private evaluate(g: Float64Array, mg: Float64Array): number {
    const { nk, k, z, kx, x } = this;
    for (let i = 0; i < nk; i++) z[i] = kx[i]! + (this.fitIntercept ? x[nk + (i % k)]! : 0);
    this.ww = this.coordDot(x, kx);
    const loss = this.lossAt(0, false);
    this.gradient(g, mg);
    return loss + this.ww / (2 * this.C);
  }

  start(g: Float64Array, mg: Float64Array): number {
    return this.evaluate(g, mg);
  }

  setDirection(p: Float64Array, mp: Float64Array): void {
    const { nk, k, zp } = this;
    this.p = p;
    this.mp = mp;
    // X·P_W = K·π is the weight part of the image
    for (let i = 0; i < nk; i++) zp[i] = mp[i]! + (this.fitIntercept ? p[nk + (i % k)]! : 0);
    this.wp = this.coordDot(this.x, mp);
    this.pp = this.coordDot(p, mp);
  }

  along(t: number): number {
    const loss = this.lossAt(t, true);
    let s = 0;
    const { r, zp } = this;
    for (let i = 0; i < r.length; i++) s += r[i]! * zp[i]!;
    this.slope = s + (this.wp + t * this.pp) / this.C;
    return loss + (this.ww + 2 * t * this.wp + t * t * this.pp) / (2 * this.C);
  }

  accept(t: number, g: Float64Array, mg: Float64Array): number {
    const { x, p, kx, mp, nk } = this;
    for (let i = 0; i < x.length; i++) x[i]! += t * p[i]!;
    for (let i = 0; i < nk; i++) kx[i]! += t * mp[i]!;
    return this.evaluate(g, mg);
  }

  /** The weights W = Xᵀ·A at the current point, d × k feature-major. */
  weights(): Float64Array {
    const { n, d, k, x } = this;
    const { indptr, indices, data } = this.X;
    const w = new Float64Array(d * k);
    for (let i = 0; i < n; i++) {
      const ro = i * k;
      for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) {
        const v = data[q]!;
        const o = indices[q]! * k;
        for (let c = 0; c < k; c++) w[o + c]! += v * x[ro + c]!;
      }
    }
    return w;
  }

  /** The k intercepts at the current point (zeros without an intercept). */
  intercepts(): Float64Array {
    return this.fitIntercept ? this.x.slice(this.nk, this.nk + this.k) : new Float64Array(this.k);
  }
}
