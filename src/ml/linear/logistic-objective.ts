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
 * the multinomial one (target class index per row). W is d × k, feature-major (W[j·k + c]), so X·W
 * and Xᵀ·R touch contiguous memory; the k intercepts follow the weight coordinates.
 *
 * When documents are fewer than features (text: ~30× fewer), the weights are kept as W = Xᵀ·A
 * through per-document coordinates A (n × k). L-BFGS started at 0 never leaves that subspace:
 * every gradient Xᵀ·(R + A/C) lies in it, and so does every step built from gradients. The solver's
 * bookkeeping then runs on n·k numbers instead of d·k, with θ-space inner products through images
 * K·u = X·(Xᵀ·u): ⟨Xᵀa, Xᵀb⟩ = a·(K·b). An iteration costs one scatter Xᵀ·γ (the gradient, needed
 * anyway for the gtol test) and one gather X·(Xᵀ·γ); a step direction's image is a combination of
 * stored images, so moving along it needs no pass over X. Otherwise the coordinates are W itself
 * (identity metric): one scatter for the gradient and one gather X·P per direction.
 */
export class LogisticObjective implements LineObjective {
  readonly size: number;
  readonly x: Float64Array;
  /** True when the coordinates are per document (W = Xᵀ·A), false when they are W itself. */
  readonly metric: boolean;
  slope = 0;
  gradMax = Infinity;
  private readonly n: number;
  private readonly d: number;
  private readonly k: number;
  /** Number of weight coordinates: n·k per document, d·k per feature. */
  private readonly m: number;
  private readonly z: Float64Array; // X·W + b at x
  private readonly zp: Float64Array; // X·P_W + p_b for the current direction
  private readonly r: Float64Array; // dLoss/dz at the point being evaluated
  private readonly zt: Float64Array; // scratch: one row of z + t·zp
  private readonly gw: Float64Array; // scratch: the weight gradient Xᵀ·γ, d × k (per-document coordinates only)
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
    this.metric = this.n < this.d;
    this.m = (this.metric ? this.n : this.d) * k;
    this.size = this.m + (fitIntercept ? k : 0);
    this.x = new Float64Array(this.size);
    this.z = new Float64Array(this.n * k);
    this.zp = new Float64Array(this.n * k);
    this.r = new Float64Array(this.n * k);
    this.zt = new Float64Array(k);
    this.gw = new Float64Array(this.metric ? this.d * k : 0);
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

  /** out += Xᵀ·v (v: n × k, out: d × k). */
  private scatter(v: Float64Array, out: Float64Array): void {
    const { n, k } = this;
    const { indptr, indices, data } = this.X;
    if (k === 1) {
      for (let i = 0; i < n; i++) rowAxpy(out, indices, data, indptr[i]!, indptr[i + 1]!, v[i]!);
      return;
    }
    for (let i = 0; i < n; i++) {
      const ro = i * k;
      for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) {
        const val = data[q]!;
        const o = indices[q]! * k;
        for (let c = 0; c < k; c++) out[o + c]! += val * v[ro + c]!;
      }
    }
  }

  /** out = X·v (v: d × k, out: n × k). */
  private gather(v: Float64Array, out: Float64Array): void {
    const { n, k } = this;
    const { indptr, indices, data } = this.X;
    if (k === 1) {
      for (let i = 0; i < n; i++) out[i] = rowDot(v, indices, data, indptr[i]!, indptr[i + 1]!);
      return;
    }
    for (let i = 0; i < n; i++) {
      const o = i * k;
      for (let c = 0; c < k; c++) out[o + c] = 0;
      for (let q = indptr[i]!, end = indptr[i + 1]!; q < end; q++) {
        const val = data[q]!;
        const wo = indices[q]! * k;
        for (let c = 0; c < k; c++) out[o + c]! += val * v[wo + c]!;
      }
    }
  }

  /**
   * The gradient at the evaluated point, coordinates into g and image into mg (the same array
   * without a metric), its largest |component| in θ-space into gradMax.
   */
  private gradient(g: Float64Array, mg: Float64Array): void {
    const { n, k, m, r, x, C } = this;
    const invC = 1 / C;
    let gmax = 0;
    if (this.metric) {
      // coordinates γ = R + A/C; θ-space gradient Xᵀ·γ; image X·(Xᵀ·γ)
      const gw = this.gw;
      for (let i = 0; i < m; i++) g[i] = r[i]! + x[i]! * invC;
      gw.fill(0);
      this.scatter(g, gw);
      for (let j = 0; j < gw.length; j++) if (Math.abs(gw[j]!) > gmax) gmax = Math.abs(gw[j]!);
      this.gather(gw, mg);
    } else {
      for (let j = 0; j < m; j++) g[j] = x[j]! * invC;
      this.scatter(r, g);
      for (let j = 0; j < m; j++) if (Math.abs(g[j]!) > gmax) gmax = Math.abs(g[j]!);
    }
    if (this.fitIntercept) {
      // the intercepts are their own coordinates (Φ = I there), so their image is themselves
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += r[i * k + c]!;
        g[m + c] = s;
        mg[m + c] = s;
        if (Math.abs(s) > gmax) gmax = Math.abs(s);
      }
    }
    this.gradMax = gmax;
  }

  /** ‖W‖² at the current point: A·(K·A) = A·(z − b) per document, W·W per feature. */
  private weightNorm(): number {
    const { m, k, x, z } = this;
    let s = 0;
    if (this.metric) {
      for (let i = 0; i < m; i++) s += x[i]! * (z[i]! - (this.fitIntercept ? x[m + (i % k)]! : 0));
    } else {
      for (let j = 0; j < m; j++) s += x[j]! * x[j]!;
    }
    return s;
  }

  /** Value at the current point (z already there), with the gradient into g and mg. */
  private evaluate(g: Float64Array, mg: Float64Array): number {
    this.ww = this.weightNorm();
    const loss = this.lossAt(0, false);
    this.gradient(g, mg);
    return loss + this.ww / (2 * this.C);
  }

  start(g: Float64Array, mg: Float64Array): number {
    const { z, k, m, x } = this;
    if (this.metric) {
      this.gather(this.scatterWeights(), z);
    } else {
      this.gather(x, z);
    }
    if (this.fitIntercept) for (let i = 0; i < z.length; i++) z[i]! += x[m + (i % k)]!;
    return this.evaluate(g, mg);
  }

  setDirection(p: Float64Array, mp: Float64Array): void {
    const { m, k, zp } = this;
    this.p = p;
    // X·P_W is the weight part of the image with a metric, one pass over X without
    if (this.metric) zp.set(mp.subarray(0, m));
    else this.gather(p, zp);
    if (this.fitIntercept) for (let i = 0; i < zp.length; i++) zp[i]! += p[m + (i % k)]!;
    let wp = 0;
    let pp = 0;
    for (let i = 0; i < m; i++) {
      wp += this.x[i]! * mp[i]!;
      pp += p[i]! * mp[i]!;
    }
    this.wp = wp;
    this.pp = pp;
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
    const { x, p, z, zp } = this;
    for (let i = 0; i < x.length; i++) x[i]! += t * p[i]!;
    for (let i = 0; i < z.length; i++) z[i]! += t * zp[i]!;
    return this.evaluate(g, mg);
  }

  /** Xᵀ·A for per-document coordinates. */
  private scatterWeights(): Float64Array {
    const w = new Float64Array(this.d * this.k);
    this.scatter(this.x, w);
    return w;
  }

  /** The weights W at the current point, d × k feature-major (a copy). */
  weights(): Float64Array {
    return this.metric ? this.scatterWeights() : this.x.slice(0, this.m);
  }

  /** The k intercepts at the current point (zeros without an intercept). */
  intercepts(): Float64Array {
    return this.fitIntercept ? this.x.slice(this.m, this.m + this.k) : new Float64Array(this.k);
  }
}
