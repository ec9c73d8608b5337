/**
 * A smooth objective over parameters θ = Φ·x that L-BFGS steers through coordinates x. The solver
 * never sees θ: every vector it handles (point, gradient, steps) lies in the range of Φ and is kept
 * as coordinates u together with their image M·u, where M = ΦᵀΦ, so that θ-space inner products
 * are ⟨Φu, Φv⟩ = u·(M·v) at the cost of the coordinates' length. With Φ = I (`metric` false) this
 * is plain L-BFGS; LogisticObjective uses Φ = Xᵀ when documents are fewer than features.
 *
 * Moving along a direction only needs the direction's image once, after which every line-search
 * trial costs O(coordinates). The solver calls `setDirection(p, mp)`, then `along(t)` (value, with
 * the slope left in `slope`) as often as the line search needs, then `accept(t, g, mg)` which moves
 * to x + t·p and writes the gradient's coordinates and image there.
 */
export interface LineObjective {
  /** Number of coordinates. */
  readonly size: number;
  /** False when Φ = I: images are then the vectors themselves, and the solver passes the same arrays as both. */
  readonly metric: boolean;
  /** The current point's coordinates (the solver never writes them). */
  readonly x: Float64Array;
  /** max_i |∂f/∂θ_i| at the current point (scipy's projected-gradient norm, as no bounds are set). */
  readonly gradMax: number;
  /** Value at the current point; writes the gradient's coordinates into g and their image into mg. */
  start(g: Float64Array, mg: Float64Array): number;
  setDirection(p: Float64Array, mp: Float64Array): void;
  /** f(x + t·p); also sets `slope` to d/dt f(x + t·p). */
  along(t: number): number;
  slope: number;
  /** Moves to x + t·p, writes the gradient there (coordinates into g, image into mg) and returns the value. */
  accept(t: number, g: Float64Array, mg: Float64Array): number;
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

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** u += c·v. */
function axpy(u: Float64Array, c: number, v: Float64Array): void {
  for (let i = 0; i < u.length; i++) u[i]! += c * v[i]!;
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
 * Runs in the objective's coordinates (see LineObjective), carrying each vector's image so the
 * two-loop recursion's inner products are those of θ-space: the iterates are plain L-BFGS's.
 */
export function minimizeLbfgs(obj: LineObjective, o: LbfgsOptions): LbfgsResult {
  const n = obj.size;
  const m = o.memory;
  // with the identity metric every image is the vector itself: alias them and skip their updates
  const metric = obj.metric;
  const vectors = (): Float64Array[] => Array.from({ length: m }, () => new Float64Array(n));
  const S = vectors();
  const MS = metric ? vectors() : S;
  const Y = vectors();
  const MY = metric ? vectors() : Y;
  const rho = new Float64Array(m);
  const yy = new Float64Array(m); // ‖y‖² per pair, for the initial scaling
  const a = new Float64Array(m);
  let stored = 0;
  let head = 0; // slot of the next pair to write
  const g = new Float64Array(n);
  const mg = metric ? new Float64Array(n) : g;
  const gNew = new Float64Array(n);
  const mgNew = metric ? new Float64Array(n) : gNew;
  const p = new Float64Array(n);
  const mp = metric ? new Float64Array(n) : p;
  let f = obj.start(g, mg);
  let iter = 0;
  if (obj.gradMax <= o.gtol) return { f, iterations: 0, converged: true };
  while (iter < o.maxIter) {
    // two-loop recursion p = -H·g, the image M·p carried along by the same linear combinations
    for (let i = 0; i < n; i++) p[i] = -g[i]!;
    if (metric) for (let i = 0; i < n; i++) mp[i] = -mg[i]!;
    for (let k = 0; k < stored; k++) {
      const s = (head - 1 - k + m) % m;
      const as = rho[s]! * dot(S[s]!, mp);
      a[s] = as;
      axpy(p, -as, Y[s]!);
      if (metric) axpy(mp, -as, MY[s]!);
    }
    if (stored > 0) {
      const newest = (head - 1 + m) % m;
      const gamma = 1 / (rho[newest]! * yy[newest]!);
      for (let i = 0; i < n; i++) p[i]! *= gamma;
      if (metric) for (let i = 0; i < n; i++) mp[i]! *= gamma;
      for (let k = stored - 1; k >= 0; k--) {
        const s = (head - 1 - k + m) % m;
        const c = a[s]! - rho[s]! * dot(Y[s]!, mp);
        axpy(p, c, S[s]!);
        if (metric) axpy(mp, c, MS[s]!);
      }
    }
    let d0 = dot(g, mp);
    if (!(d0 < 0)) {
      // the model lost positive definiteness numerically: restart from steepest descent
      stored = 0;
      for (let i = 0; i < n; i++) p[i] = -g[i]!;
      if (metric) for (let i = 0; i < n; i++) mp[i] = -mg[i]!;
      d0 = dot(g, mp);
    }
    // first step: length 1 along the normalized gradient, as L-BFGS-B; afterwards the unit quasi-Newton step
    const t0 = stored === 0 ? 1 / Math.sqrt(-d0) : 1;
    obj.setDirection(p, mp);
    const t = lineSearch(obj, f, d0, t0, o.maxLineSearch);
    iter++;
    if (t === 0) return { f, iterations: iter, converged: false };
    const fNew = obj.accept(t, gNew, mgNew);
    // store the pair (s, y) when it keeps the update positive definite
    const sv = S[head]!;
    const yv = Y[head]!;
    for (let i = 0; i < n; i++) {
      sv[i] = t * p[i]!;
      yv[i] = gNew[i]! - g[i]!;
    }
    if (metric) {
      const msv = MS[head]!;
      const myv = MY[head]!;
      for (let i = 0; i < n; i++) {
        msv[i] = t * mp[i]!;
        myv[i] = mgNew[i]! - mg[i]!;
      }
    }
    const sy = dot(sv, MY[head]!);
    const yyNew = dot(yv, MY[head]!);
    if (sy > 2.2e-16 * yyNew) {
      rho[head] = 1 / sy;
      yy[head] = yyNew;
      head = (head + 1) % m;
      if (stored < m) stored++;
    }
    g.set(gNew);
    if (metric) mg.set(mgNew);
    const fOld = f;
    f = fNew;
    if (obj.gradMax <= o.gtol) return { f, iterations: iter, converged: true };
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= o.ftol) return { f, iterations: iter, converged: true };
  }
  return { f, iterations: iter, converged: false };
}
