import type { CsrMatrix } from '../sparse/csr-matrix.ts';

/** Distance metrics the brute-force index computes. */
export type NeighbourMetric = 'cosine' | 'euclidean';

/** Sum of squares of row i, added in column order (scikit-learn's sparse row norms do the same). */
function rowSquaredNorm(indptr: Int32Array, data: Float64Array, i: number): number {
  let s = 0;
  for (let k = indptr[i]!, end = indptr[i + 1]!; k < end; k++) s += data[k]! * data[k]!;
  return s;
}

/**
 * Brute-force nearest neighbours over a sparse training matrix, through its inverted index
 * (feature → (training row, value)): a query's dot products with every training row are
 * accumulated feature by feature into one reused buffer, then turned into distances while the k
 * smallest are kept in a small sorted list (no full sort).
 *
 * Numerics follow scikit-learn 1.2 so neighbour sets match: cosine rows are l2-normalized by
 * division before the dot product (`1 - x̂·ŷ`, clipped to [0, 2]; a zero row has distance 1 to
 * everything), euclidean uses `(-2 x·y + |x|²) + |y|²` clamped at 0, and every dot product adds
 * the query's features in column order, as scipy's sparse product does. Equal distances are
 * ordered by training row, smaller first (scikit-learn leaves this to argpartition / a heap; with
 * exact duplicates it too keeps the smaller row in our fixtures).
 */
export class NeighbourIndex {
  readonly metric: NeighbourMetric;
  readonly nTrain: number;
  readonly nFeatures: number;
  private readonly postPtr: Int32Array;
  private readonly postRow: Int32Array;
  private readonly postVal: Float64Array;
  /** Squared norms of the training rows (euclidean only). */
  private readonly sqNorms: Float64Array;
  /** Per-query dot products, reused so a single-document query allocates nothing of size nTrain. */
  private readonly acc: Float64Array;

  constructor(X: CsrMatrix, metric: NeighbourMetric) {
    this.metric = metric;
    this.nTrain = X.nRows;
    this.nFeatures = X.nCols;
    const { indptr, indices, data } = X;
    const n = X.nRows;
    const d = X.nCols;
    this.sqNorms = new Float64Array(metric === 'euclidean' ? n : 0);
    const scale = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const sq = rowSquaredNorm(indptr, data, i);
      if (metric === 'euclidean') this.sqNorms[i] = sq;
      // a zero row stays zero, as in scikit-learn's normalize
      scale[i] = metric === 'cosine' && sq !== 0 ? Math.sqrt(sq) : 1;
    }
    const ptr = new Int32Array(d + 1);
    for (let k = 0; k < X.nnz; k++) ptr[indices[k]! + 1]!++;
    for (let j = 0; j < d; j++) ptr[j + 1]! += ptr[j]!;
    const next = ptr.slice(0, d);
    const rows = new Int32Array(X.nnz);
    const vals = new Float64Array(X.nnz);
    for (let i = 0; i < n; i++) {
      const s = scale[i]!;
      for (let k = indptr[i]!, end = indptr[i + 1]!; k < end; k++) {
        const p = next[indices[k]!]!++;
        rows[p] = i;
        vals[p] = metric === 'cosine' ? data[k]! / s : data[k]!;
      }
    }
    this.postPtr = ptr;
    this.postRow = rows;
    this.postVal = vals;
    this.acc = new Float64Array(n);
  }

  /**
   * The k nearest training rows to row `r` of Q, nearest first, written to `outRow` / `outDist`
   * from `offset` (k ≤ nTrain). Distances are true distances (euclidean is not squared).
   */
  query(Q: CsrMatrix, r: number, k: number, outRow: Int32Array, outDist: Float64Array, offset: number): void {
    const acc = this.acc;
    acc.fill(0);
    const { indptr, indices, data } = Q;
    const ptr = this.postPtr;
    const rows = this.postRow;
    const vals = this.postVal;
    const cosine = this.metric === 'cosine';
    const qSq = rowSquaredNorm(indptr, data, r);
    const qNorm = cosine && qSq !== 0 ? Math.sqrt(qSq) : 1;
    for (let p = indptr[r]!, end = indptr[r + 1]!; p < end; p++) {
      const v = cosine ? data[p]! / qNorm : data[p]!;
      const f = indices[p]!;
      for (let q = ptr[f]!, qEnd = ptr[f + 1]!; q < qEnd; q++) acc[rows[q]!]! += v * vals[q]!;
    }
    // keep the k best in outRow/outDist[offset ..), sorted by (distance, row)
    let filled = 0;
    let worst = Infinity;
    const last = offset + k - 1;
    const sq = this.sqNorms;
    for (let j = 0; j < this.nTrain; j++) {
      let dist: number;
      if (cosine) {
        dist = 1 - acc[j]!;
        if (dist < 0) dist = 0;
        else if (dist > 2) dist = 2;
      } else {
        dist = -2 * acc[j]! + qSq + sq[j]!;
        if (dist < 0) dist = 0;
      }
      if (filled === k) {
        if (dist >= worst) continue;
      } else {
        filled++;
      }
      let pos = offset + filled - 1;
      while (pos > offset && outDist[pos - 1]! > dist) {
        outDist[pos] = outDist[pos - 1]!;
        outRow[pos] = outRow[pos - 1]!;
        pos--;
      }
      outDist[pos] = dist;
      outRow[pos] = j;
      if (filled === k) worst = outDist[last]!;
    }
    if (!cosine) for (let p = offset; p <= last; p++) outDist[p] = Math.sqrt(outDist[p]!);
  }
}
