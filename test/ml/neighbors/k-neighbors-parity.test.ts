import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KNeighborsClassifier, type KNeighborsClassifierParams } from '../../../src/ml/neighbors/k-neighbors-classifier.ts';
import { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { loadInputs } from '../../helpers/inputs.ts';

interface KnnCase {
  classes: string[];
  predict: string[];
  proba: number[];
  neighbours: number[][];
  distances: number[];
}

const fixture = readFixture<Record<string, Record<string, KnnCase>> & { knnVariants: Record<string, Record<string, KnnCase>> }>('nb-knn.json');

const MODELS: Record<string, Partial<KNeighborsClassifierParams>> = {
  KNN_k5_distance_cosine: { nNeighbors: 5, weights: 'distance', metric: 'cosine' },
  KNN_k3_uniform_euclidean: { nNeighbors: 3, weights: 'uniform', metric: 'euclidean' },
  KNN_k5_uniform_cosine: { nNeighbors: 5, weights: 'uniform', metric: 'cosine' },
  KNN_k5_distance_default: { nNeighbors: 5, weights: 'distance' },
};

/** Row i times (1 + i % 4), as the fixture script's scale_rows, so rows differ in length. */
function scaleRows(X: CsrMatrix): CsrMatrix {
  const data = X.data.slice();
  for (let i = 0; i < X.nRows; i++) for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) data[k] = data[k]! * (1 + (i % 4));
  return new CsrMatrix(X.nRows, X.nCols, X.indptr, X.indices, data);
}

function maxAbsDiff(a: ArrayLike<number>, b: readonly number[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Neighbours as "distance:row" keys with equal distances ordered by row: scikit-learn orders exact
 * ties arbitrarily (argpartition, or a heap and an unstable sort), even between its own two code
 * paths, so tied rows are compared as a set. A tie across the k-th place would still show up.
 */
function canonical(rows: ArrayLike<number>, dists: ArrayLike<number>): string[] {
  return Array.from(rows, (r, i) => [Number(Number(dists[i]!).toPrecision(9)), r] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([d, r]) => `${d}:${r}`);
}

function checkCase(want: KnnCase, params: Partial<KNeighborsClassifierParams>, Xtr: CsrMatrix, ytr: string[], Xte: CsrMatrix, ties = false): void {
  const knn = new KNeighborsClassifier(params).fit(Xtr, ytr);
  assert.deepEqual(knn.classes, want.classes);
  assert.deepEqual(knn.predict(Xte), want.predict);
  assert.ok(maxAbsDiff(knn.predictProba(Xte).data, want.proba) <= 1e-9, 'predictProba within 1e-9');
  const nRows = want.neighbours.length;
  const nb = knn.kneighbors(Xte.selectRows(Array.from({ length: nRows }, (_, i) => i)));
  const k = params.nNeighbors!;
  for (let i = 0; i < nRows; i++) {
    const got = nb.indices.subarray(i * k, (i + 1) * k);
    if (!ties) {
      assert.deepEqual(Array.from(got), want.neighbours[i], `neighbours of test row ${i}`);
    } else {
      const wantDist = want.distances.slice(i * k, (i + 1) * k);
      assert.deepEqual(canonical(got, nb.distances.row(i)), canonical(want.neighbours[i]!, wantDist), `neighbours of test row ${i}`);
    }
  }
  assert.ok(maxAbsDiff(nb.distances.data, want.distances) <= 1e-9, 'distances within 1e-9');
}

for (const set of ['binary', 'multiclass'] as const) {
  describe(`KNeighborsClassifier parity with scikit-learn 1.2.1 (${set})`, () => {
    const data = loadInputs(set);
    for (const [name, params] of Object.entries(MODELS)) {
      it(`${name}: same predictions and neighbour order, probabilities within 1e-9`, () => {
        checkCase(fixture[set]![name]!, params, data.Xtrain, data.ytrain, data.Xtest);
      });
    }
  });
}

describe('KNeighborsClassifier parity on harder cases (binary)', () => {
  const data = loadInputs('binary');
  it('rows of unequal length: euclidean and cosine neighbours differ, both match scikit-learn', () => {
    const Xs = scaleRows(data.X);
    const raw = readFixture<{ binary: unknown }>('inputs.json') as unknown as { binary: { train: number[]; test: number[] } };
    const { train, test } = raw.binary;
    for (const [name, params] of Object.entries(MODELS)) {
      checkCase(fixture.knnVariants.scaled![name]!, params, Xs.selectRows(train), train.map((i) => data.y[i]!), Xs.selectRows(test));
    }
  });
  it('duplicate training rows and zero distances: same neighbours (ties as sets), votes and probabilities', () => {
    const raw = readFixture<{ binary: { train: number[]; test: number[] } }>('inputs.json');
    const { train, test } = raw.binary;
    const dup = [...train, ...test.slice(0, 5), ...train.slice(0, 3)];
    for (const [name, params] of Object.entries(MODELS)) {
      checkCase(fixture.knnVariants.dups![name]!, params, data.X.selectRows(dup), dup.map((i) => data.y[i]!), data.X.selectRows(test), true);
    }
  });
});
