import type { CsrMatrix } from '../sparse/csr-matrix.ts';

/** Distance metrics the brute-force index computes. */
export type NeighbourMetric = 'cosine' | 'euclidean';

/**
 * Everything a NeighbourIndex holds, as plain typed arrays: a model file stores them as they are,
 * so loading an index only makes views (no rebuild). The training matrix is held once, split by
 * feature: the light (rare) features by column, the heavy (common) ones by row.
 */
export interface NeighbourIndexArrays {
  /** Light features by column (CSC): column f holds entries lightPtr[f] .. lightPtr[f+1]-1. Length nFeatures + 1. */
  lightPtr: Int32Array;
  /** Training row of each light entry, ascending within a column (16-bit when nTrain ≤ 65,536: half the bytes to scan and store). */
  lightRow: IdArray;
  /** Value of each light entry (l2-normalized rows for cosine). */
  lightVal: Float64Array;
  /** The heavy features, ascending; a heavy feature's position here is its local id. */
  heavyFeature: Int32Array;
  /** Bound group (0 .. nGroups-1) of each heavy feature. */
  heavyGroup: Int32Array;
  /** Heavy features by row (CSR over local ids, ascending): row i holds heavyPtr[i] .. heavyPtr[i+1]-1. Length nTrain + 1. */
  heavyPtr: Int32Array;
  /** Local heavy id of each heavy entry (16-bit when there are ≤ 65,536 heavy features). */
  heavyCol: IdArray;
  heavyVal: Float64Array;
  /** Squared norm of each training row (of the normalized row for cosine), summed in column order. */
  sqNorms: Float64Array;
  /** nTrain × nGroups, row-major: norm of each row restricted to each group, rounded up to float32. */
  groupNorms: Float32Array;
}

/** Position of feature f in the ascending list, or -1. */
function findHeavy(heavyFeature: Int32Array, f: number): number {
  let lo = 0;
  let hi = heavyFeature.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = heavyFeature[mid]!;
    if (x === f) return mid;
    if (x < f) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Small non-negative ids: 16-bit when they fit. */
export type IdArray = Int32Array | Uint16Array;

function idArray(length: number, limit: number): IdArray {
  return limit <= 65536 ? new Uint16Array(length) : new Int32Array(length);
}

/** Sum of squares of row i, added in column order (scikit-learn's sparse row norms do the same). */
function rowSquaredNorm(indptr: Int32Array, data: Float64Array, i: number): number {
  let s = 0;
  for (let k = indptr[i]!, end = indptr[i + 1]!; k < end; k++) s += data[k]! * data[k]!;
  return s;
}

/** Features in at least this share of training rows are "heavy": bounded, not scattered. */
const HEAVY_SHARE = 0.2;
/** Heavy features are split into this many groups, each with its own Cauchy–Schwarz bound. */
const MAX_GROUPS = 16;
/** Rows whose approximate distance sets the candidate limit (the best bounds). */
const MIN_PROBES = 32;

/** The k-th smallest of a[0..m) (1-based k ≤ m); reorders a. */
function kthSmallest(a: Float64Array, m: number, k: number): number {
  for (let i = 1; i < m; i++) {
    const v = a[i]!;
    let p = i;
    while (p > 0 && a[p - 1]! > v) {
      a[p] = a[p - 1]!;
      p--;
    }
    a[p] = v;
  }
  return a[k - 1]!;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The smallest float32 ≥ x (x ≥ 0), so a stored norm never understates the true one. */
function float32Up(x: number): number {
  f32[0] = x;
  if (f32[0] < x) u32[0]!++;
  return f32[0]!;
}

/**
 * Exact brute-force nearest neighbours over a sparse training matrix, pruned so that a query
 * costs a fraction of a full pass.
 *
 * A query's dot product with every training row is split in two. The rare ("light") features
 * are scattered through their columns into one reused buffer. The few common ("heavy") features
 * — in tf-idf of email, about 0.1 % of the features but a third of the entries — are only
 * bounded, per group of features, by |q_g|·|t_g| (Cauchy–Schwarz). That gives every training row
 * a lower bound on its distance. The approximate distances of the rows with the best bounds set a
 * limit on the k-th distance (with a margin far above rounding error), and only rows whose bound
 * is within it get their exact distance: on the spam corpus about 60 of 5,500 rows per query.
 *
 * Those exact distances are computed together, in one pass over the query row in its column
 * order, adding each product to its row's dot product: the order scipy's sparse product uses, so
 * distances are bit-identical to scikit-learn 1.2's brute-force path. Cosine rows are
 * l2-normalized by division first (`1 − x̂·ŷ`, clipped to [0, 2]; a zero row has distance 1 to
 * everything), euclidean is `(−2 x·y + |x|²) + |y|²` clamped at 0. The result is the k smallest
 * (distance, training row) pairs: equal distances are ordered by training row, smaller first
 * (scikit-learn leaves the order of exact ties to argpartition or a heap).
 *
 * The matrix is held once, split by feature (see NeighbourIndexArrays), so `arrays` is also what
 * a model file stores and `fromArrays` restores an index without rebuilding anything.
 */
export class NeighbourIndex {
  readonly metric: NeighbourMetric;
  readonly nTrain: number;
  readonly nFeatures: number;
  readonly nGroups: number;
  /** The index's data (share, do not modify). */
  readonly arrays: NeighbourIndexArrays;
  private readonly norms: Float64Array;
  /** Scratch, reused across queries so a query allocates nothing (the larger parts made at first use). */
  private readonly acc: Float64Array;
  private readonly bound: Float64Array;
  private readonly qH: Float64Array;
  private readonly qGroup: Float64Array;
  private readonly slot: Int32Array;
  private readonly cand: Int32Array;
  /** Candidates evaluated together (at most `batch`), and their heavy values, dense: heavyDense[h * size + c]. */
  private readonly batch: number;
  private heavyDense: Float64Array | undefined;
  private readonly exact: Float64Array;
  /** Local heavy id of each entry of the current query row, or -1 (no d-sized lookup table to allocate at load). */
  private qHeavy = new Int32Array(64);
  private probeRow = new Int32Array(0);
  private probeVal = new Float64Array(0);

  /** Builds the index of the rows of X (kept by reference for euclidean: do not change X afterwards). */
  constructor(X: CsrMatrix, metric: NeighbourMetric);
  /** Wraps arrays from `fromArrays` (already checked). */
  constructor(arrays: NeighbourIndexArrays, metric: NeighbourMetric);
  constructor(source: CsrMatrix | NeighbourIndexArrays, metric: NeighbourMetric) {
    this.metric = metric;
    const a = 'heavyPtr' in source ? source : build(source, metric);
    this.arrays = a;
    const n = (this.nTrain = a.heavyPtr.length - 1);
    this.nFeatures = a.lightPtr.length - 1;
    const H = a.heavyFeature.length;
    const G = (this.nGroups = n === 0 ? 0 : a.groupNorms.length / n);
    this.norms = new Float64Array(n);
    for (let j = 0; j < n; j++) this.norms[j] = Math.sqrt(a.sqNorms[j]!);
    // Scratch indexed by stored ids covers every value of a 16-bit id, so the ids need no O(nnz)
    // range check at load: a wrong id in a tampered state gives wrong but finite answers, like a
    // wrong weight (a damaged file fails its checksum; 32-bit ids are checked in fromArrays).
    this.acc = new Float64Array(a.lightRow instanceof Uint16Array ? 65536 : n);
    this.bound = new Float64Array(n);
    this.qH = new Float64Array(a.heavyCol instanceof Uint16Array ? 65536 : H);
    this.qGroup = new Float64Array(G);
    this.slot = new Int32Array(this.acc.length).fill(-1);
    this.cand = new Int32Array(n);
    this.batch = Math.max(8, Math.min(256, Math.floor(2 ** 20 / Math.max(1, H))));
    this.exact = new Float64Array(this.batch);
  }

  /**
   * Restores an index from its arrays (as `arrays` gave them), checking shapes and ranges; a
   * problem is reported through `corrupt` (which must throw) naming the section.
   */
  static fromArrays(arrays: Partial<Record<keyof NeighbourIndexArrays, unknown>>, metric: NeighbourMetric, nTrain: number, nFeatures: number, corrupt: (why: string) => never): NeighbourIndex {
    const n = nTrain;
    const d = nFeatures;
    const i32 = (name: keyof NeighbourIndexArrays, length?: number): Int32Array => {
      const v = arrays[name];
      if (!(v instanceof Int32Array) || (length !== undefined && v.length !== length)) corrupt(`the ${name} section must hold ${length ?? 'some'} int32 values`);
      return v as Int32Array;
    };
    const f64 = (name: keyof NeighbourIndexArrays, length: number): Float64Array => {
      const v = arrays[name];
      if (!(v instanceof Float64Array) || v.length !== length) corrupt(`the ${name} section must hold ${length} float64 values`);
      return v as Float64Array;
    };
    const pointers = (name: keyof NeighbourIndexArrays, length: number): Int32Array => {
      const p = i32(name, length);
      if (p[0] !== 0) corrupt(`the ${name} section must start at 0`);
      for (let i = 1; i < length; i++) if (p[i]! < p[i - 1]!) corrupt(`the ${name} section must not decrease`);
      return p;
    };
    const ids = (name: keyof NeighbourIndexArrays, length: number): IdArray => {
      const v = arrays[name];
      if (!(v instanceof Int32Array || v instanceof Uint16Array) || v.length !== length) corrupt(`the ${name} section must hold ${length} int32 or uint16 values`);
      return v as IdArray;
    };
    /** Every value in 0..limit-1; one branch-free pass, the slow search only for the message. */
    const inRange = (name: keyof NeighbourIndexArrays, a: IdArray, limit: number, what: string): void => {
      let bad = 0;
      for (let i = 0; i < a.length; i++) bad |= a[i]! | (limit - 1 - a[i]!);
      if (bad < 0) {
        const v = (a as Int32Array).find((x) => x < 0 || x >= limit)!;
        corrupt(`the ${name} section holds ${what} ${v}, outside 0..${limit - 1}`);
      }
    };
    const lightPtr = pointers('lightPtr', d + 1);
    const lightRow = ids('lightRow', lightPtr[d]!);
    f64('lightVal', lightPtr[d]!);
    if (lightRow instanceof Int32Array) inRange('lightRow', lightRow, n, 'row');
    const heavyFeature = i32('heavyFeature');
    const H = heavyFeature.length;
    for (let h = 0; h < H; h++) {
      if (heavyFeature[h]! < 0 || heavyFeature[h]! >= d || (h > 0 && heavyFeature[h]! <= heavyFeature[h - 1]!)) corrupt(`the heavyFeature section must list features of 0..${d - 1} in ascending order`);
    }
    const heavyGroup = i32('heavyGroup', H);
    const groupNorms = arrays.groupNorms;
    if (!(groupNorms instanceof Float32Array) || groupNorms.length % n !== 0) corrupt(`the groupNorms section must hold a multiple of ${n} float32 values`);
    const G = (groupNorms as Float32Array).length / n;
    if (G > H) corrupt('the groupNorms section has more groups than there are heavy features');
    inRange('heavyGroup', heavyGroup, G, 'group');
    const heavyPtr = pointers('heavyPtr', n + 1);
    const heavyCol = ids('heavyCol', heavyPtr[n]!);
    f64('heavyVal', heavyPtr[n]!);
    if (heavyCol instanceof Int32Array) inRange('heavyCol', heavyCol, H, 'heavy feature');
    f64('sqNorms', n);
    return new NeighbourIndex(arrays as NeighbourIndexArrays, metric);
  }

  /**
   * The k nearest training rows to row `r` of Q, nearest first, written to `outRow` / `outDist`
   * from `offset` (k ≤ nTrain). Distances are true distances (euclidean is not squared).
   */
  query(Q: CsrMatrix, r: number, k: number, outRow: Int32Array, outDist: Float64Array, offset: number): void {
    const cosine = this.metric === 'cosine';
    const { indptr, indices, data } = Q;
    const start = indptr[r]!;
    const qEnd = indptr[r + 1]!;
    const qSqRaw = rowSquaredNorm(indptr, data, r);
    const qNorm = cosine && qSqRaw !== 0 ? Math.sqrt(qSqRaw) : 1;
    const G = this.nGroups;
    const acc = this.acc;
    const qH = this.qH;
    const qGroup = this.qGroup;
    if (this.qHeavy.length < qEnd - start) this.qHeavy = new Int32Array(2 * (qEnd - start));
    const qHeavy = this.qHeavy;
    const heavyFeature = this.arrays.heavyFeature;
    const { lightPtr, lightRow, lightVal, heavyGroup, heavyPtr, heavyCol, heavyVal, sqNorms: sq, groupNorms: gn } = this.arrays;
    acc.fill(0, 0, this.nTrain);
    qGroup.fill(0);
    let qSq = 0;
    for (let p = start; p < qEnd; p++) {
      const v = cosine ? data[p]! / qNorm : data[p]!;
      const f = indices[p]!;
      qSq += v * v;
      const from = lightPtr[f]!;
      const to = lightPtr[f + 1]!;
      // a feature without light entries is heavy, or absent from training
      const h = from === to ? findHeavy(heavyFeature, f) : -1;
      qHeavy[p - start] = h;
      if (h >= 0) {
        qH[h] = v;
        qGroup[heavyGroup[h]!]! += v * v;
      } else {
        for (let q = from; q < to; q++) acc[lightRow[q]!]! += v * lightVal[q]!;
      }
    }
    for (let g = 0; g < G; g++) qGroup[g] = Math.sqrt(qGroup[g]!);
    // euclidean on raw rows uses the query's own squared norm, summed as scikit-learn does
    const qq = cosine ? qSq : qSqRaw;

    // a lower bound on each row's distance, with a margin far above rounding error (the float32
    // group norms are rounded up, so they only loosen it)
    const n = this.nTrain;
    const bound = this.bound;
    const norms = this.norms;
    const qLen = Math.sqrt(qSq);
    for (let j = 0; j < n; j++) {
      let ub = acc[j]!;
      for (let g = 0, base = j * G; g < G; g++) ub += qGroup[g]! * gn[base + g]!;
      const slack = 1e-9 * qLen * norms[j]! + 1e-300;
      bound[j] = cosine ? 1 - ub - slack : qq + sq[j]! - 2 * ub - 2 * slack - 1e-12 * (qq + sq[j]!);
    }

    // the m best bounds (m ≥ k); the k-th smallest of their approximate distances, plus a margin
    // for rounding, bounds the k-th distance from above
    const m = Math.min(n, Math.max(k, MIN_PROBES));
    if (this.probeRow.length < m) {
      this.probeRow = new Int32Array(m);
      this.probeVal = new Float64Array(m);
    }
    const probeRow = this.probeRow;
    const probeVal = this.probeVal;
    let filled = 0;
    for (let j = 0; j < n; j++) {
      const b = bound[j]!;
      if (filled === m && b >= probeVal[m - 1]!) continue;
      if (filled < m) filled++;
      let pos = filled - 1;
      while (pos > 0 && probeVal[pos - 1]! > b) {
        probeVal[pos] = probeVal[pos - 1]!;
        probeRow[pos] = probeRow[pos - 1]!;
        pos--;
      }
      probeVal[pos] = b;
      probeRow[pos] = j;
    }
    for (let t = 0; t < m; t++) {
      const j = probeRow[t]!;
      let dot = acc[j]!;
      for (let p = heavyPtr[j]!, end = heavyPtr[j + 1]!; p < end; p++) dot += qH[heavyCol[p]!]! * heavyVal[p]!;
      const margin = 1e-9 * (qq + sq[j]! + 2 * qLen * norms[j]!) + 1e-300;
      probeVal[t] = (cosine ? 1 - dot : qq + sq[j]! - 2 * dot) + margin;
    }
    const limit = kthSmallest(probeVal, m, k);

    // every row whose bound is within the limit gets its exact distance, a batch at a time
    const cand = this.cand;
    let nCand = 0;
    for (let j = 0; j < n; j++) if (bound[j]! <= limit) cand[nCand++] = j;
    filled = 0;
    const last = offset + k - 1;
    for (let from = 0; from < nCand; from += this.batch) {
      filled = this.evaluate(Q, r, qNorm, qq, cand, from, Math.min(nCand, from + this.batch), k, outRow, outDist, offset, filled);
    }
    for (let p = start; p < qEnd; p++) {
      const h = qHeavy[p - start]!;
      if (h >= 0) qH[h] = 0;
    }
    if (!cosine) for (let p = offset; p <= last; p++) outDist[p] = Math.sqrt(outDist[p]!);
  }

  /**
   * Exact distances (squared for euclidean) of the candidates cand[from..to), inserted into the
   * k-list. One pass over the query row in its column order adds each product to its candidate's
   * dot product, so every sum runs in scipy's order: light features through their columns, heavy
   * ones from the candidates' densified heavy values (a zero product leaves a sum unchanged).
   */
  private evaluate(Q: CsrMatrix, r: number, qNorm: number, qq: number, cand: Int32Array, from: number, to: number, k: number, outRow: Int32Array, outDist: Float64Array, offset: number, filled: number): number {
    const cosine = this.metric === 'cosine';
    const { lightPtr, lightRow, lightVal, heavyPtr, heavyCol, heavyVal, sqNorms } = this.arrays;
    const { indptr, indices, data } = Q;
    const dense = (this.heavyDense ??= new Float64Array(this.arrays.heavyFeature.length * this.batch));
    const slot = this.slot;
    const exact = this.exact;
    const qHeavy = this.qHeavy;
    // stride nb, not the batch size: the dense block stays as small as the batch
    const nb = to - from;
    for (let c = 0; c < nb; c++) {
      const j = cand[from + c]!;
      slot[j] = c;
      exact[c] = 0;
      for (let p = heavyPtr[j]!, end = heavyPtr[j + 1]!; p < end; p++) dense[heavyCol[p]! * nb + c] = heavyVal[p]!;
    }
    for (let p = indptr[r]!, start = p, qEnd = indptr[r + 1]!; p < qEnd; p++) {
      const v = cosine ? data[p]! / qNorm : data[p]!;
      const f = indices[p]!;
      const h = qHeavy[p - start]!;
      if (h >= 0) {
        for (let c = 0, base = h * nb; c < nb; c++) exact[c]! += v * dense[base + c]!;
      } else {
        let q = lightPtr[f]!;
        const end = lightPtr[f + 1]!;
        if (end - q <= 4 * nb) {
          for (; q < end; q++) {
            const c = slot[lightRow[q]!]!;
            if (c >= 0) exact[c]! += v * lightVal[q]!;
          }
        } else {
          // a long column and few candidates: binary-search each candidate (both ascending by row)
          for (let c = 0; c < nb && q < end; c++) {
            const j = cand[from + c]!;
            let hi = end;
            while (q < hi) {
              const mid = (q + hi) >>> 1;
              if (lightRow[mid]! < j) q = mid + 1;
              else hi = mid;
            }
            if (q < end && lightRow[q] === j) exact[c]! += v * lightVal[q++]!;
          }
        }
      }
    }
    for (let c = 0; c < nb; c++) {
      const j = cand[from + c]!;
      slot[j] = -1;
      for (let p = heavyPtr[j]!, end = heavyPtr[j + 1]!; p < end; p++) dense[heavyCol[p]! * nb + c] = 0;
      const dot = exact[c]!;
      let dist: number;
      if (cosine) {
        dist = 1 - dot;
        dist = dist < 0 ? 0 : dist > 2 ? 2 : dist;
      } else {
        dist = -2 * dot + qq + sqNorms[j]!;
        if (dist < 0) dist = 0;
      }
      filled = this.insert(j, dist, outRow, outDist, offset, k, filled);
    }
    return filled;
  }

  /** Inserts (dist, j) into the sorted k-list if it is among the k smallest (distance, row) pairs. */
  private insert(j: number, dist: number, outRow: Int32Array, outDist: Float64Array, offset: number, k: number, filled: number): number {
    const last = offset + k - 1;
    if (filled === k) {
      const wd = outDist[last]!;
      if (dist > wd || (dist === wd && j > outRow[last]!)) return filled;
    } else {
      filled++;
    }
    let pos = offset + filled - 1;
    while (pos > offset && (outDist[pos - 1]! > dist || (outDist[pos - 1] === dist && outRow[pos - 1]! > j))) {
      outDist[pos] = outDist[pos - 1]!;
      outRow[pos] = outRow[pos - 1]!;
      pos--;
    }
    outDist[pos] = dist;
    outRow[pos] = j;
    return filled;
  }
}

/** Splits the rows of X (normalized for cosine) into the light columns and heavy rows, with norms. */
function build(X: CsrMatrix, metric: NeighbourMetric): NeighbourIndexArrays {
  const n = X.nRows;
  const d = X.nCols;
  const { indptr, indices } = X;
  const nnz = indices.length;
  let rowVal = X.data;
  if (metric === 'cosine') {
    rowVal = new Float64Array(nnz);
    for (let i = 0; i < n; i++) {
      const sq = rowSquaredNorm(indptr, X.data, i);
      // a zero row stays zero, as in scikit-learn's normalize
      const norm = sq === 0 ? 1 : Math.sqrt(sq);
      for (let k = indptr[i]!, end = indptr[i + 1]!; k < end; k++) rowVal[k] = X.data[k]! / norm;
    }
  }
  const sqNorms = new Float64Array(n);
  for (let i = 0; i < n; i++) sqNorms[i] = rowSquaredNorm(indptr, rowVal, i);

  const df = new Int32Array(d);
  for (let k = 0; k < nnz; k++) df[indices[k]!]!++;
  const heavyList: number[] = [];
  for (let f = 0; f < d; f++) if (df[f]! >= HEAVY_SHARE * n && df[f]! > 1) heavyList.push(f);
  const H = heavyList.length;
  const heavyFeature = Int32Array.from(heavyList);
  const heavyOf = new Int32Array(d).fill(-1);
  for (let h = 0; h < H; h++) heavyOf[heavyFeature[h]!] = h;
  // groups of heavy features with similar document frequency
  const G = Math.min(MAX_GROUPS, H);
  const byDf = heavyList.map((_, h) => h).sort((a, b) => df[heavyFeature[a]!]! - df[heavyFeature[b]!]! || a - b);
  const heavyGroup = new Int32Array(H);
  byDf.forEach((h, rank) => (heavyGroup[h] = Math.floor((rank * G) / H)));

  const lightPtr = new Int32Array(d + 1);
  for (let f = 0; f < d; f++) lightPtr[f + 1] = lightPtr[f]! + (heavyOf[f]! >= 0 ? 0 : df[f]!);
  const nLight = lightPtr[d]!;
  const heavyPtr = new Int32Array(n + 1);
  const lightRow = idArray(nLight, n);
  const lightVal = new Float64Array(nLight);
  const heavyCol = idArray(nnz - nLight, H);
  const heavyVal = new Float64Array(nnz - nLight);
  const gn = new Float64Array(n * G);
  const next = lightPtr.slice(0, d);
  let hp = 0;
  for (let i = 0; i < n; i++) {
    for (let k = indptr[i]!, end = indptr[i + 1]!; k < end; k++) {
      const f = indices[k]!;
      const v = rowVal[k]!;
      const h = heavyOf[f]!;
      if (h >= 0) {
        heavyCol[hp] = h;
        heavyVal[hp++] = v;
        gn[i * G + heavyGroup[h]!]! += v * v;
      } else {
        const p = next[f]!++;
        lightRow[p] = i;
        lightVal[p] = v;
      }
    }
    heavyPtr[i + 1] = hp;
  }
  const groupNorms = new Float32Array(n * G);
  for (let t = 0; t < gn.length; t++) groupNorms[t] = float32Up(Math.sqrt(gn[t]!));
  return { lightPtr, lightRow, lightVal, heavyFeature, heavyGroup, heavyPtr, heavyCol, heavyVal, sqNorms, groupNorms };
}
