import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NeighbourIndex, type NeighbourMetric } from '../../../src/ml/neighbors/neighbour-index.ts';
import { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';

/** A seeded sparse matrix with Zipf-like column frequencies (a few columns in most rows), some duplicate rows and an empty row. */
function randomSparse(nRows: number, nCols: number, seed: number, signed: boolean): CsrMatrix {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const rows: [number, number][][] = [];
  for (let i = 0; i < nRows; i++) {
    if (i === 3) {
      rows.push([]);
      continue;
    }
    if (i % 17 === 5) {
      rows.push(rows[i - 1]!.map(([c, v]) => [c, v] as [number, number]));
      continue;
    }
    const cols = new Map<number, number>();
    const nnz = 5 + Math.floor(rand() * 40);
    for (let t = 0; t < nnz; t++) {
      const c = Math.min(nCols - 1, Math.floor(nCols * rand() ** 4));
      const v = Math.round(rand() * 1000) / 250 + 0.01;
      cols.set(c, signed && rand() < 0.3 ? -v : v);
    }
    rows.push([...cols]);
  }
  return CsrMatrix.fromRows(nCols, rows);
}

/** The plain definition: every distance (same formulas and order), then a full sort by (distance, row). */
function reference(T: CsrMatrix, Q: CsrMatrix, r: number, k: number, metric: NeighbourMetric): { rows: number[]; dists: number[] } {
  const sq = (M: CsrMatrix, i: number) => {
    let s = 0;
    for (let p = M.indptr[i]!; p < M.indptr[i + 1]!; p++) s += M.data[p]! * M.data[p]!;
    return s;
  };
  const qn = Math.sqrt(sq(Q, r)) || 1;
  const q = new Map<number, number>();
  for (let p = Q.indptr[r]!; p < Q.indptr[r + 1]!; p++) q.set(Q.indices[p]!, metric === 'cosine' ? Q.data[p]! / qn : Q.data[p]!);
  const all: [number, number][] = [];
  for (let j = 0; j < T.nRows; j++) {
    const tn = Math.sqrt(sq(T, j)) || 1;
    let dot = 0;
    let tt = 0;
    for (let p = T.indptr[j]!; p < T.indptr[j + 1]!; p++) {
      const tv = metric === 'cosine' ? T.data[p]! / tn : T.data[p]!;
      tt += tv * tv;
      const qv = q.get(T.indices[p]!);
      if (qv !== undefined) dot += qv * tv;
    }
    let d: number;
    if (metric === 'cosine') d = Math.min(2, Math.max(0, 1 - dot));
    else d = Math.sqrt(Math.max(0, -2 * dot + sq(Q, r) + tt));
    all.push([d, j]);
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { rows: all.slice(0, k).map((x) => x[1]), dists: all.slice(0, k).map((x) => x[0]) };
}

describe('NeighbourIndex (pruned search) equals the plain definition', () => {
  for (const metric of ['cosine', 'euclidean'] as const) {
    for (const signed of [false, true]) {
      it(`${metric}, ${signed ? 'signed' : 'non-negative'} values: same rows and bit-identical distances for k = 1, 4, 9`, () => {
        const T = randomSparse(400, 300, 7, signed);
        const Q = randomSparse(60, 300, 11, signed);
        const index = new NeighbourIndex(T, metric);
        for (const k of [1, 4, 9]) {
          const rows = new Int32Array(k);
          const dists = new Float64Array(k);
          for (let r = 0; r < Q.nRows; r++) {
            index.query(Q, r, k, rows, dists, 0);
            const want = reference(T, Q, r, k, metric);
            assert.deepEqual(Array.from(rows), want.rows, `query ${r}, k ${k}`);
            assert.deepEqual(Array.from(dists), want.dists, `query ${r}, k ${k}`);
          }
        }
      });
    }
  }
  it('a training row queried against itself is its own nearest neighbour, duplicates next in row order', () => {
    const T = randomSparse(200, 120, 3, false);
    const index = new NeighbourIndex(T, 'euclidean');
    const rows = new Int32Array(2);
    const dists = new Float64Array(2);
    index.query(T, 22, 2, rows, dists, 0); // row 22 = row 21 (22 % 17 === 5)
    assert.deepEqual(Array.from(rows), [21, 22]);
    assert.deepEqual(Array.from(dists), [0, 0]);
  });
});
