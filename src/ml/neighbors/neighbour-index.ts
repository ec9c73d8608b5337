import type { CsrMatrix } from '../sparse/csr-matrix.ts';

/** Distance metrics the brute-force index computes. */
export type NeighbourMetric = 'cosine' | 'euclidean';

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

/**
 * Exact brute-force nearest neighbours over a sparse training matrix, pruned so that a query
 * costs a fraction of a full pass.
 *
 * A query's dot product with every training row is split in two. The rare ("light") features
 * are scattered through an inverted index (feature → (training row, value)) into one reused
 * buffer. The few common ("heavy") features — in tf-idf of email, under 1 % of the features but
 * about 90 % of the postings — are only bounded, per group of features, by |q_g|·|t_g|
 * (Cauchy–Schwarz). That gives every training row a lower bound on its distance; only rows whose
 * bound does not exceed the current k-th distance get their exact distance, so on the spam
 * corpus about a hundred of 5,500 rows are evaluated per query.
 *
 * The exact distance sums the products of shared features in ascending feature order, the order
 * scipy's sparse product uses, so distances are bit-identical to scikit-learn 1.2's brute-force
 * path: cosine rows are l2-normalized by division first (`1 − x̂·ŷ`, clipped to [0, 2]; a zero row
 * has distance 1 to everything), euclidean is `(−2 x·y + |x|²) + |y|²` clamped at 0. The result
 * is the k smallest (distance, training row) pairs: equal distances are ordered by training row,
 * smaller first (scikit-learn leaves the order of exact ties to argpartition or a heap).
 */
export class NeighbourIndex {
  readonly metric: NeighbourMetric;
  readonly nTrain: number;
  readonly nFeatures: number;
  /** Training rows (values l2-normalized for cosine), for exact distances. */
  private readonly rowPtr: Int32Array;
  private readonly rowCol: Int32Array;
  private readonly rowVal: Float64Array;
  /** Inverted index of the light features only. */
  private readonly postPtr: Int32Array;
  private readonly postRow: Int32Array;
  private readonly postVal: Float64Array;
  /** Heavy group of each feature, or -1 for a light feature. */
  private readonly group: Int32Array;
  private readonly nGroups: number;
  /** nTrain × nGroups: norm of each training row restricted to each heavy group. */
  private readonly groupNorms: Float64Array;
  /** Squared norm of each training row (of the normalized row for cosine), and its square root. */
  private readonly sqNorms: Float64Array;
  private readonly norms: Float64Array;
  /** Scratch, reused across queries so a single-document query allocates nothing large. */
  private readonly bound: Float64Array;
  private readonly qDense: Float64Array;
  private readonly qGroup: Float64Array;
  private readonly evaluated: Uint8Array;

  constructor(X: CsrMatrix, metric: NeighbourMetric) {
    this.metric = metric;
    const n = (this.nTrain = X.nRows);
    const d = (this.nFeatures = X.nCols);
    const { indptr, indices, data } = X;
    this.rowPtr = indptr;
    this.rowCol = indices;
    if (metric === 'cosine') {
      const vals = new Float64Array(X.nnz);
      for (let i = 0; i < n; i++) {
        const sq = rowSquaredNorm(indptr, data, i);
        // a zero row stays zero, as in scikit-learn's normalize
        const norm = sq === 0 ? 1 : Math.sqrt(sq);
        for (let k = indptr[i]!; k < indptr[i + 1]!; k++) vals[k] = data[k]! / norm;
      }
      this.rowVal = vals;
    } else {
      this.rowVal = data;
    }
    this.sqNorms = new Float64Array(n);
    this.norms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.sqNorms[i] = rowSquaredNorm(indptr, this.rowVal, i);
      this.norms[i] = Math.sqrt(this.sqNorms[i]!);
    }

    const df = new Int32Array(d);
    for (let k = 0; k < X.nnz; k++) df[indices[k]!]!++;
    const heavy: number[] = [];
    for (let f = 0; f < d; f++) if (df[f]! >= HEAVY_SHARE * n && df[f]! > 1) heavy.push(f);
    heavy.sort((a, b) => df[a]! - df[b]! || a - b);
    this.nGroups = Math.min(MAX_GROUPS, heavy.length);
    this.group = new Int32Array(d).fill(-1);
    heavy.forEach((f, i) => (this.group[f] = Math.floor((i * this.nGroups) / heavy.length)));

    const G = this.nGroups;
    const group = this.group;
    const rowVal = this.rowVal;
    const groupNorms = (this.groupNorms = new Float64Array(n * G));
    const ptr = new Int32Array(d + 1);
    for (let k = 0; k < X.nnz; k++) if (group[indices[k]!] === -1) ptr[indices[k]! + 1]!++;
    for (let f = 0; f < d; f++) ptr[f + 1]! += ptr[f]!;
    const next = ptr.slice(0, d);
    const rows = new Int32Array(ptr[d]!);
    const vals = new Float64Array(ptr[d]!);
    for (let i = 0; i < n; i++) {
      for (let k = indptr[i]!, end = indptr[i + 1]!; k < end; k++) {
        const f = indices[k]!;
        const v = rowVal[k]!;
        const g = group[f]!;
        if (g >= 0) {
          groupNorms[i * G + g]! += v * v;
        } else {
          const p = next[f]!++;
          rows[p] = i;
          vals[p] = v;
        }
      }
    }
    for (let t = 0; t < groupNorms.length; t++) groupNorms[t] = Math.sqrt(groupNorms[t]!);
    this.postPtr = ptr;
    this.postRow = rows;
    this.postVal = vals;
    this.bound = new Float64Array(n);
    this.qDense = new Float64Array(d);
    this.qGroup = new Float64Array(G);
    this.evaluated = new Uint8Array(n);
  }

  /**
   * The k nearest training rows to row `r` of Q, nearest first, written to `outRow` / `outDist`
   * from `offset` (k ≤ nTrain). Distances are true distances (euclidean is not squared).
   */
  query(Q: CsrMatrix, r: number, k: number, outRow: Int32Array, outDist: Float64Array, offset: number): void {
    const cosine = this.metric === 'cosine';
    const { indptr, indices, data } = Q;
    const qSqRaw = rowSquaredNorm(indptr, data, r);
    const qNorm = cosine && qSqRaw !== 0 ? Math.sqrt(qSqRaw) : 1;
    const G = this.nGroups;
    const acc = this.bound;
    const qDense = this.qDense;
    const qGroup = this.qGroup;
    acc.fill(0);
    qGroup.fill(0);
    let qSq = 0;
    const ptr = this.postPtr;
    const rows = this.postRow;
    const vals = this.postVal;
    const group = this.group;
    for (let p = indptr[r]!, end = indptr[r + 1]!; p < end; p++) {
      const v = cosine ? data[p]! / qNorm : data[p]!;
      const f = indices[p]!;
      qDense[f] = v;
      qSq += v * v;
      const g = group[f]!;
      if (g >= 0) {
        qGroup[g]! += v * v;
      } else {
        for (let q = ptr[f]!, qEnd = ptr[f + 1]!; q < qEnd; q++) acc[rows[q]!]! += v * vals[q]!;
      }
    }
    for (let g = 0; g < G; g++) qGroup[g] = Math.sqrt(qGroup[g]!);
    // euclidean on raw rows uses the query's own squared norm, summed as scikit-learn does
    const qq = cosine ? qSq : qSqRaw;

    // acc becomes a lower bound on each row's distance, with a margin far above rounding error
    const n = this.nTrain;
    const gn = this.groupNorms;
    const sq = this.sqNorms;
    const norms = this.norms;
    const qLen = Math.sqrt(qSq);
    for (let j = 0; j < n; j++) {
      let ub = acc[j]!;
      for (let g = 0, base = j * G; g < G; g++) ub += qGroup[g]! * gn[base + g]!;
      const slack = 1e-9 * qLen * norms[j]! + 1e-300;
      acc[j] = cosine ? 1 - ub - slack : qq + sq[j]! - 2 * ub - 2 * slack - 1e-12 * (qq + sq[j]!);
    }

    // seed with the k best bounds, then evaluate every row whose bound could still beat the k-th
    const seedRow = outRow;
    const seedBound = outDist;
    let filled = 0;
    const last = offset + k - 1;
    for (let j = 0; j < n; j++) {
      const b = acc[j]!;
      if (filled === k && b >= seedBound[last]!) continue;
      if (filled < k) filled++;
      let pos = offset + filled - 1;
      while (pos > offset && seedBound[pos - 1]! > b) {
        seedBound[pos] = seedBound[pos - 1]!;
        seedRow[pos] = seedRow[pos - 1]!;
        pos--;
      }
      seedBound[pos] = b;
      seedRow[pos] = j;
    }
    const seeds = Array.from(seedRow.subarray(offset, offset + k));
    filled = 0;
    for (const j of seeds) {
      this.evaluated[j] = 1;
      filled = this.insert(j, this.exactDistance(j, qq, cosine), outRow, outDist, offset, k, filled);
    }
    for (let j = 0; j < n; j++) {
      if (acc[j]! > outDist[last]! || this.evaluated[j] === 1) continue;
      filled = this.insert(j, this.exactDistance(j, qq, cosine), outRow, outDist, offset, k, filled);
    }
    for (const j of seeds) this.evaluated[j] = 0;
    for (let p = indptr[r]!, end = indptr[r + 1]!; p < end; p++) qDense[indices[p]!] = 0;
    if (!cosine) for (let p = offset; p <= last; p++) outDist[p] = Math.sqrt(outDist[p]!);
  }

  /**
   * Exact distance to training row j (squared for euclidean). Products of features the query
   * lacks are zeros, which leave the sum unchanged, so the sum equals the sparse dot product.
   */
  private exactDistance(j: number, qq: number, cosine: boolean): number {
    const col = this.rowCol;
    const val = this.rowVal;
    const qDense = this.qDense;
    let dot = 0;
    for (let p = this.rowPtr[j]!, end = this.rowPtr[j + 1]!; p < end; p++) dot += qDense[col[p]!]! * val[p]!;
    if (cosine) {
      const dist = 1 - dot;
      return dist < 0 ? 0 : dist > 2 ? 2 : dist;
    }
    const d2 = -2 * dot + qq + this.sqNorms[j]!;
    return d2 < 0 ? 0 : d2;
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
