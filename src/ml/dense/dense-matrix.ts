/**
 * A small dense row-major matrix of float64, used for outputs (probabilities, decision values)
 * and small coefficient blocks.
 *
 * @example
 *   const p = clf.predictProba(X); p.get(0, 1); // P(classes[1] | row 0)
 */
export class DenseMatrix {
  readonly nRows: number;
  readonly nCols: number;
  readonly data: Float64Array;

  constructor(nRows: number, nCols: number, data: Float64Array = new Float64Array(nRows * nCols)) {
    if (data.length !== nRows * nCols) throw new RangeError(`DenseMatrix: ${data.length} values for ${nRows}×${nCols}.`);
    this.nRows = nRows;
    this.nCols = nCols;
    this.data = data;
  }

  /** The value at (i, j). */
  get(i: number, j: number): number {
    return this.data[i * this.nCols + j]!;
  }

  /** Sets the value at (i, j). */
  set(i: number, j: number, v: number): void {
    this.data[i * this.nCols + j] = v;
  }

  /** Row i as a view (no copy). */
  row(i: number): Float64Array {
    return this.data.subarray(i * this.nCols, (i + 1) * this.nCols);
  }

  /** Nested arrays, for tests and JSON. */
  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.nRows; i++) out.push(Array.from(this.row(i)));
    return out;
  }
}
