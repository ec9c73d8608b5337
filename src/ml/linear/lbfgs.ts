/**
 * A smooth objective seen the way a linear model sees it: moving along a direction p only needs
 * X·p once, after which every line-search trial costs O(n) instead of a pass over X. The solver
 * calls `setDirection(p)`, then `along(t)` (value, with the slope left in `slope`) as often as the
 * line search needs, then `accept(t, g)` which moves to x + t·p and writes the gradient there.
 */
export interface LineObjective {
  readonly size: number;
  /** The current point (the solver never writes it). */
  readonly x: Float64Array;
  /** Value at the current point, and its gradient written into g. */
  start(g: Float64Array): number;
  setDirection(p: Float64Array): void;
  /** f(x + t·p); also sets `slope` to d/dt f(x + t·p). */
  along(t: number): number;
  slope: number;
  /** Moves to x + t·p, writes the gradient there into g and returns the value there. */
  accept(t: number, g: Float64Array): number;
}

/** Stopping rules, as scipy's L-BFGS-B reads them. */
export interface LbfgsOptions {
  /** Stop when max |g_i| ≤ gtol. */
  gtol: number;
  /** Stop when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol. */
  ftol: number;
  maxIter: number;
  /** Correction pairs kept (scipy's maxcor). */
  memory: number;
  /** Trials per line search (scipy's maxls). */
  maxLineSearch: number;
}

/** What the solver ended with. */
export interface LbfgsResult {
  f: number;
  iterations: number;
  converged: boolean;
}

const C1 = 1e-3; // sufficient decrease, as MINPACK-2's dcsrch in scipy
const C2 = 0.9; // curvature

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]!);
    if (a > m) m = a;
  }
  return m;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Minimizer of the cubic through (a, fa, da) and (b, fb, db), kept inside the bracket's middle 80 %. */
function interpolate(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const margin = 0.1 * (hi - lo);
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  let t = (a + b) / 2;
  if (disc >= 0 && Number.isFinite(disc)) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    const c = b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
    if (Number.isFinite(c)) t = c;
  }
  return Math.min(Math.max(t, lo + margin), hi - margin);
}

/**
 * A strong-Wolfe line search (Nocedal & Wright, algorithms 3.5 and 3.6, cubic interpolation).
 * Returns the accepted step, or 0 when no step with sufficient decrease was found.
 */
function lineSearch(obj: LineObjective, f0: number, d0: number, t0: number, maxTrials: number): number {
  let tPrev = 0;
  let fPrev = f0;
  let dPrev = d0;
  let t = t0;
  let trials = 0;
  let lo = 0;
  let flo = f0;
  let dlo = d0;
  let hi = 0;
  let fhi = 0;
  let dhi = 0;
  let bracketed = false;
  while (trials < maxTrials) {
    const f = obj.along(t);
    const df = obj.slope;
    trials++;
    if (!Number.isFinite(f) || f > f0 + C1 * t * d0 || (trials > 1 && f >= fPrev)) {
      [lo, flo, dlo, hi, fhi, dhi] = [tPrev, fPrev, dPrev, t, Number.isFinite(f) ? f : Infinity, Number.isFinite(df) ? df : Infinity];
      bracketed = true;
      break;
    }
    if (Math.abs(df) <= -C2 * d0) return t;
    if (df >= 0) {
      [lo, flo, dlo, hi, fhi, dhi] = [t, f, df, tPrev, fPrev, dPrev];
      bracketed = true;
      break;
    }
    tPrev = t;
    fPrev = f;
    dPrev = df;
    t *= 4;
  }
  if (!bracketed) return tPrev;
  while (trials < maxTrials) {
    const t = Number.isFinite(fhi) && Number.isFinite(dhi) ? interpolate(lo, flo, dlo, hi, fhi, dhi) : (lo + hi) / 2;
    const f = obj.along(t);
    const df = obj.slope;
    trials++;
    if (!Number.isFinite(f) || f > f0 + C1 * t * d0 || f >= flo) {
      hi = t;
      fhi = Number.isFinite(f) ? f : Infinity;
      dhi = df;
    } else {
      if (Math.abs(df) <= -C2 * d0) return t;
      if (df * (hi - lo) >= 0) {
        hi = lo;
        fhi = flo;
        dhi = dlo;
      }
      lo = t;
      flo = f;
      dlo = df;
    }
  }
  // out of trials: the best point seen still decreases f enough, or there is none
  return lo;
}

/**
 * Limited-memory BFGS for smooth unconstrained problems, stopping like scipy's L-BFGS-B (which
 * scikit-learn's 'lbfgs' solver calls): projected-gradient and relative-decrease tests, iteration cap.
 */
export function minimizeLbfgs(obj: LineObjective, o: LbfgsOptions): LbfgsResult {
  const n = obj.size;
  const m = o.memory;
  const S = Array.from({ length: m }, () => new Float64Array(n));
  const Y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const yy = new Float64Array(m); // ‖y‖² per pair, for the initial scaling
  const a = new Float64Array(m);
  let stored = 0;
  let head = 0; // slot of the next pair to write
  const g = new Float64Array(n);
  const gNew = new Float64Array(n);
  const p = new Float64Array(n);
  let f = obj.start(g);
  let iter = 0;
  if (maxAbs(g) <= o.gtol) return { f, iterations: 0, converged: true };
  while (iter < o.maxIter) {
    // two-loop recursion p = -H·g, each pass fusing one update of p with the next dot product, so
    // p is streamed once per stored pair and loop instead of twice (d can be 10^5+)
    let pending = 0; // coefficient of the last Y not yet subtracted from p
    let pendingSlot = -1;
    for (let i = 0; i < n; i++) p[i] = -g[i]!;
    for (let k = 0; k < stored; k++) {
      const s = (head - 1 - k + m) % m;
      const ss = S[s]!;
      let acc = 0;
      if (pendingSlot >= 0) {
        const yp = Y[pendingSlot]!;
        for (let i = 0; i < n; i++) {
          const v = p[i]! - pending * yp[i]!;
          p[i] = v;
          acc += ss[i]! * v;
        }
      } else {
        for (let i = 0; i < n; i++) acc += ss[i]! * p[i]!;
      }
      a[s] = rho[s]! * acc;
      pending = a[s]!;
      pendingSlot = s;
    }
    if (stored > 0) {
      const newest = (head - 1 + m) % m;
      const gamma = 1 / (rho[newest]! * yy[newest]!);
      const yp = Y[pendingSlot]!;
      for (let i = 0; i < n; i++) p[i] = (p[i]! - pending * yp[i]!) * gamma;
      pendingSlot = -1;
      for (let k = stored - 1; k >= 0; k--) {
        const s = (head - 1 - k + m) % m;
        const ys = Y[s]!;
        let acc = 0;
        if (pendingSlot >= 0) {
          const sp = S[pendingSlot]!;
          for (let i = 0; i < n; i++) {
            const v = p[i]! + pending * sp[i]!;
            p[i] = v;
            acc += ys[i]! * v;
          }
        } else {
          for (let i = 0; i < n; i++) acc += ys[i]! * p[i]!;
        }
        pending = a[s]! - rho[s]! * acc;
        pendingSlot = s;
      }
      const sp = S[pendingSlot]!;
      for (let i = 0; i < n; i++) p[i]! += pending * sp[i]!;
    }
    let d0 = dot(g, p);
    if (!(d0 < 0)) {
      // the model lost positive definiteness numerically: restart from steepest descent
      stored = 0;
      for (let i = 0; i < n; i++) p[i] = -g[i]!;
      d0 = dot(g, p);
    }
    // first step: length 1 along the normalized gradient, as L-BFGS-B; afterwards the unit quasi-Newton step
    const t0 = stored === 0 ? 1 / Math.sqrt(-d0) : 1;
    obj.setDirection(p);
    const t = lineSearch(obj, f, d0, t0, o.maxLineSearch);
    iter++;
    if (t === 0) return { f, iterations: iter, converged: false };
    const fNew = obj.accept(t, gNew);
    // store the pair (s, y) when it keeps the update positive definite
    const sv = S[head]!;
    const yv = Y[head]!;
    let sy = 0;
    let yyNew = 0;
    for (let i = 0; i < n; i++) {
      sv[i] = t * p[i]!;
      yv[i] = gNew[i]! - g[i]!;
      sy += sv[i]! * yv[i]!;
      yyNew += yv[i]! * yv[i]!;
    }
    if (sy > 2.2e-16 * yyNew) {
      rho[head] = 1 / sy;
      yy[head] = yyNew;
      head = (head + 1) % m;
      if (stored < m) stored++;
    }
    g.set(gNew);
    const fOld = f;
    f = fNew;
    if (maxAbs(g) <= o.gtol) return { f, iterations: iter, converged: true };
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= o.ftol) return { f, iterations: iter, converged: true };
  }
  return { f, iterations: iter, converged: false };
}
