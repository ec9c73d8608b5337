import { CsrMatrix } from '../../src/ml/sparse/csr-matrix.ts';
import { readFixture } from './fixtures.ts';

interface RawSet {
  keys: string[];
  y: string[];
  X: { nRows: number; nCols: number; indptr: number[]; indices: number[]; data: number[] };
  train: number[];
  test: number[];
}

/** One of the sparse input sets scikit-learn made (fixtures/inputs.json), split into train and test. */
export interface InputSet {
  X: CsrMatrix;
  y: string[];
  Xtrain: CsrMatrix;
  ytrain: string[];
  Xtest: CsrMatrix;
  ytest: string[];
}

/** The 'binary' (ham/spam) or 'multiclass' (5 corpus groups) tf-idf inputs of the parity fixtures. */
export function loadInputs(name: 'binary' | 'multiclass'): InputSet {
  const raw = readFixture<Record<string, RawSet>>('inputs.json')[name]!;
  const X = new CsrMatrix(raw.X.nRows, raw.X.nCols, Int32Array.from(raw.X.indptr), Int32Array.from(raw.X.indices), Float64Array.from(raw.X.data));
  return {
    X,
    y: raw.y,
    Xtrain: X.selectRows(raw.train),
    ytrain: raw.train.map((i) => raw.y[i]!),
    Xtest: X.selectRows(raw.test),
    ytest: raw.test.map((i) => raw.y[i]!),
  };
}
