/**
 * The two row kernels every linear solver here spends its time in. Rows of tf-idf matrices hold
 * hundreds of entries, so both loops are unrolled by four: the dot keeps four partial sums, which
 * breaks the chain of dependent additions that otherwise bounds it by floating-point add latency.
 */

/** Σ v[indices[p]]·data[p] for p in [start, end): one row of X times a dense vector. */
export function rowDot(v: Float64Array, indices: Int32Array, data: Float64Array, start: number, end: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let p = start;
  for (const stop = end - 3; p < stop; p += 4) {
    s0 += v[indices[p]!]! * data[p]!;
    s1 += v[indices[p + 1]!]! * data[p + 1]!;
    s2 += v[indices[p + 2]!]! * data[p + 2]!;
    s3 += v[indices[p + 3]!]! * data[p + 3]!;
  }
  for (; p < end; p++) s0 += v[indices[p]!]! * data[p]!;
  return s0 + s1 + (s2 + s3);
}

/** rowDot summed strictly left to right, for results that must match a reference's rounding. */
export function rowDotInOrder(v: Float64Array, indices: Int32Array, data: Float64Array, start: number, end: number): number {
  let s = 0;
  for (let p = start; p < end; p++) s += v[indices[p]!]! * data[p]!;
  return s;
}

/** v[indices[p]] += a·data[p] for p in [start, end) (a row's columns are distinct, so the updates are independent). */
export function rowAxpy(v: Float64Array, indices: Int32Array, data: Float64Array, start: number, end: number, a: number): void {
  let p = start;
  for (const stop = end - 3; p < stop; p += 4) {
    v[indices[p]!]! += a * data[p]!;
    v[indices[p + 1]!]! += a * data[p + 1]!;
    v[indices[p + 2]!]! += a * data[p + 2]!;
    v[indices[p + 3]!]! += a * data[p + 3]!;
  }
  for (; p < end; p++) v[indices[p]!]! += a * data[p]!;
}
