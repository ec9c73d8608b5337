import { CuratorError } from '../errors.ts';

/**
 * A compressed-sparse-row matrix on typed arrays (scipy's csr_matrix layout): row i holds the
 * entries `indptr[i] .. indptr[i+1]-1` of `indices` (column numbers, ascending) and `data`.
 *
 * @example
 *   const m = CsrMatrix.fromRows(3, [[[0, 1], [2, 5]], [[1, 2]]]); // 2×3
 */
export class CsrMatrix {
  readonly nRows: number;
  readonly nCols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float64Array;

  constructor(nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array, data: Float64Array) {
    if (indptr.length !== nRows + 1) {
      throw new CuratorError('SHAPE_MISMATCH', `CsrMatrix: indptr has ${indptr.length} entries, expected nRows + 1 = ${nRows + 1}.`);
    }
    if (indices.length !== data.length || indptr[nRows] !== data.length) {
      throw new CuratorError('SHAPE_MISMATCH', `CsrMatrix: indices (${indices.length}), data (${data.length}) and indptr[nRows] (${indptr[nRows]}) disagree.`);
    }
    this.nRows = nRows;
    this.nCols = nCols;
    this.indptr = indptr;
    this.indices = indices;
    this.data = data;
  }

  /** Number of stored entries. */
  get nnz(): number {
    return this.data.length;
  }

  /** Builds a matrix from per-row lists of [column, value] pairs (columns need not be sorted). */
  static fromRows(nCols: number, rows: readonly (readonly (readonly [number, number])[])[]): CsrMatrix {
    const indptr = new Int32Array(rows.length + 1);
    let nnz = 0;
    rows.forEach((r, i) => {
      nnz += r.length;
      indptr[i + 1] = nnz;
    });
    const indices = new Int32Array(nnz);
    const data = new Float64Array(nnz);
    let k = 0;
    for (const r of rows) {
      const sorted = [...r].sort((a, b) => a[0] - b[0]);
      for (const [c, v] of sorted) {
        if (!Number.isInteger(c) || c < 0 || c >= nCols) {
          throw new CuratorError('SHAPE_MISMATCH', `CsrMatrix.fromRows: column ${c} is outside 0..${nCols - 1}.`);
        }
        indices[k] = c;
        data[k++] = v;
      }
    }
    return new CsrMatrix(rows.length, nCols, indptr, indices, data);
  }

  /** Builds a matrix from a dense row-major array of rows. Zeros are not stored. */
  static fromDense(rows: readonly (readonly number[])[], nCols = rows[0]?.length ?? 0): CsrMatrix {
    return CsrMatrix.fromRows(
      nCols,
      rows.map((r) => r.flatMap((v, j) => (v !== 0 ? [[j, v] as const] : []))),
    );
  }

  /** The rows at `rows` (in that order, repeats allowed) as a new matrix. */
  selectRows(rows: ArrayLike<number>): CsrMatrix {
    const n = rows.length;
    const indptr = new Int32Array(n + 1);
    let nnz = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (r < 0 || r >= this.nRows) throw new CuratorError('SHAPE_MISMATCH', `CsrMatrix.selectRows: row ${r} is outside 0..${this.nRows - 1}.`);
      nnz += this.indptr[r + 1]! - this.indptr[r]!;
      indptr[i + 1] = nnz;
    }
    const indices = new Int32Array(nnz);
    const data = new Float64Array(nnz);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      const a = this.indptr[r]!;
      const b = this.indptr[r + 1]!;
      indices.set(this.indices.subarray(a, b), indptr[i]!);
      data.set(this.data.subarray(a, b), indptr[i]!);
    }
    return new CsrMatrix(n, this.nCols, indptr, indices, data);
  }

  /** The value at (i, j); zero when not stored. For tests and debugging, not hot loops. */
  get(i: number, j: number): number {
    for (let k = this.indptr[i]!; k < this.indptr[i + 1]!; k++) if (this.indices[k] === j) return this.data[k]!;
    return 0;
  }

  /** Dense copy, row-major, as nested arrays. For tests and small matrices only. */
  toDense(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.nRows; i++) {
      const row = new Array<number>(this.nCols).fill(0);
      for (let k = this.indptr[i]!; k < this.indptr[i + 1]!; k++) row[this.indices[k]!] = this.data[k]!;
      out.push(row);
    }
    return out;
  }

  /** The transpose (CSC of this matrix viewed as CSR), in O(nnz). */
  transpose(): CsrMatrix {
    const counts = new Int32Array(this.nCols + 1);
    for (let k = 0; k < this.nnz; k++) counts[this.indices[k]! + 1]!++;
    for (let j = 0; j < this.nCols; j++) counts[j + 1]! += counts[j]!;
    const indptr = counts.slice();
    const next = counts.slice(0, this.nCols);
    const indices = new Int32Array(this.nnz);
    const data = new Float64Array(this.nnz);
    for (let i = 0; i < this.nRows; i++) {
      for (let k = this.indptr[i]!; k < this.indptr[i + 1]!; k++) {
        const j = this.indices[k]!;
        const p = next[j]!++;
        indices[p] = i;
        data[p] = this.data[k]!;
      }
    }
    return new CsrMatrix(this.nCols, this.nRows, indptr, indices, data);
  }

  /** Throws INVALID_FEATURES when any stored value is NaN or infinite, naming the first one. */
  assertFinite(owner: string): void {
    for (let i = 0; i < this.nRows; i++) {
      for (let k = this.indptr[i]!; k < this.indptr[i + 1]!; k++) {
        const v = this.data[k]!;
        if (!Number.isFinite(v)) {
          throw new CuratorError('INVALID_FEATURES', `${owner}: X contains ${v} at row ${i}, column ${this.indices[k]}; features must be finite numbers.`, { field: 'X' });
        }
      }
    }
  }
}
