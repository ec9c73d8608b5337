import assert from 'node:assert/strict';
import type { Classifier, ModelState } from '../../../src/ml/base/types.ts';
import { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';
import { readFixture } from '../../helpers/fixtures.ts';

/** One scikit-learn run of fixtures/linear.json (scripts/fixtures/make_linear.py). */
export interface SklearnRun {
  classes: string[];
  /** Test rows × outputs, row-major. */
  decision: number[];
  proba?: number[];
  predict: string[];
  accuracy: number;
  coefNorms: number[];
  intercept: number[];
  nIter: number;
  seedAgreement?: number[];
  seedAccuracy?: number[];
}

let cache: Record<string, Record<string, SklearnRun>> | undefined;

/** The scikit-learn run `name` on the 'binary' or 'multiclass' inputs. */
export function sklearnRun(set: 'binary' | 'multiclass', name: string): SklearnRun {
  cache ??= readFixture<Record<string, Record<string, SklearnRun>>>('linear.json');
  const run = cache[set]?.[name];
  if (!run) throw new Error(`fixtures/linear.json has no ${set}/${name}`);
  return run;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'compared arrays differ in length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function agreement(a: readonly string[], b: readonly string[]): number {
  assert.equal(a.length, b.length);
  return a.filter((v, i) => v === b[i]).length / a.length;
}

/** Euclidean norm of each row of a rows × d row-major matrix. */
export function rowNorms(coef: Float64Array, rows: number): number[] {
  const d = coef.length / rows;
  return Array.from({ length: rows }, (_, r) => Math.hypot(...coef.subarray(r * d, (r + 1) * d)));
}

/** A tiny separable problem: 6 rows, 3 features. */
export function tinyProblem(): { X: CsrMatrix; y: string[] } {
  const X = CsrMatrix.fromDense([
    [1, 0, 0.5],
    [0.9, 0.1, 0],
    [1, 0.2, 0.1],
    [0, 1, 0.4],
    [0.1, 0.8, 0],
    [0, 1, 0.2],
  ]);
  return { X, y: ['a', 'a', 'a', 'b', 'b', 'b'] };
}

type Fitted = Classifier & { decisionFunction(X: CsrMatrix): { data: Float64Array } };

/** The bad-input and persistence checks every linear classifier must pass (run inside a describe). */
export function commonChecks(
  it: (name: string, fn: () => void) => void,
  kind: string,
  make: (params?: Record<string, unknown>) => Fitted,
  fromState: (s: ModelState) => Fitted,
  outOfRange: Record<string, unknown>,
): void {
  const { X, y } = tinyProblem();
  const rejects = (fn: () => unknown, code: string, pattern: RegExp): void => {
    assert.throws(fn, (e: unknown) => {
      assert.equal((e as { code?: string }).code, code);
      assert.match((e as Error).message, pattern);
      return true;
    });
  };

  it('rejects X and y of different lengths', () => rejects(() => make().fit(X, y.slice(1)), 'SHAPE_MISMATCH', /6 rows but y has 5 labels/));
  it('rejects a single class', () => rejects(() => make().fit(X, y.map(() => 'a')), 'SINGLE_CLASS', /single class/));
  it('rejects NaN and infinite features', () => {
    for (const bad of [NaN, Infinity]) {
      const Xb = CsrMatrix.fromDense([[bad, 1], [1, 0], [0, 1]]);
      rejects(() => make().fit(Xb, ['a', 'b', 'a']), 'INVALID_FEATURES', new RegExp(`X contains ${bad}`));
    }
  });
  it('rejects an unknown parameter, naming it', () => rejects(() => make({ gamma: 1 }), 'UNKNOWN_PARAM', new RegExp(`${kind} has no parameter 'gamma'`)));
  it('rejects an out-of-range parameter, naming it', () => {
    const [key, value] = Object.entries(outOfRange)[0]!;
    rejects(() => make({ [key]: value }), 'INVALID_PARAM', new RegExp(`The '${key}' parameter of ${kind} must be`));
  });
  it('refuses to predict before fit', () => {
    rejects(() => make().predict(X), 'NOT_FITTED', new RegExp(`${kind} instance is not fitted yet.*predict\\(\\)`));
    rejects(() => make().decisionFunction(X), 'NOT_FITTED', /decisionFunction/);
    rejects(() => make().toState(), 'NOT_FITTED', /toState/);
  });
  it('rejects predict input of another width', () => {
    const m = make().fit(X, y);
    rejects(() => m.predict(CsrMatrix.fromDense([[1, 0]])), 'SHAPE_MISMATCH', /2 features, but the model was fitted with 3/);
  });
  it('saves and loads to bit-identical predictions; a foreign or damaged state is refused', () => {
    const m = make().fit(X, y);
    const state = m.toState();
    const loaded = fromState(structuredClone(state));
    assert.deepEqual(loaded.decisionFunction(X).data, m.decisionFunction(X).data);
    assert.deepEqual(loaded.predict(X), m.predict(X));
    assert.deepEqual(loaded.getParams(), m.getParams());
    rejects(() => fromState({ ...state, kind: 'MultinomialNB' }), 'MODEL_FILE_KIND', /MultinomialNB/);
    rejects(() => fromState({ ...state, arrays: { ...state.arrays, coef: new Float64Array(2) } }), 'MODEL_FILE_CORRUPT', /coef/);
    rejects(() => fromState({ ...state, meta: { ...state.meta, classes: 'ab' } }), 'MODEL_FILE_CORRUPT', /classes/);
  });
  it('loads coef stored as distinct values and codes (coefTable, coefCodes) to bit-identical decisions and coef', () => {
    const m = make().fit(X, y);
    const state = m.toState();
    const coef = state.arrays.coef as Float64Array;
    assert.ok(coef instanceof Float64Array, 'a tiny problem keeps a plain coef');
    // The coded form a large model is written in (tiny ones stay plain: coding would not pay).
    const table = Float64Array.from(new Set(coef));
    const codes = Uint16Array.from(coef, (v) => table.indexOf(v));
    const { coef: _plain, ...rest } = state.arrays;
    const coded = { ...state, arrays: { ...rest, coefTable: table, coefCodes: codes } };
    const loaded = fromState(structuredClone(coded));
    assert.deepEqual(loaded.decisionFunction(X).data, m.decisionFunction(X).data);
    assert.deepEqual((loaded as unknown as { coef: Float64Array }).coef, coef);
    assert.deepEqual(loaded.decisionFunction(X).data, m.decisionFunction(X).data, 'and after coef was read');
    rejects(() => fromState({ ...coded, arrays: { ...coded.arrays, coefCodes: codes.subarray(1) } }), 'MODEL_FILE_CORRUPT', /coef/);
    rejects(() => fromState({ ...coded, arrays: { ...coded.arrays, coefTable: new Float32Array(2) } }), 'MODEL_FILE_CORRUPT', /coef/);
  });
  it('clones to an unfitted estimator with the same params', () => {
    const m = make({}).fit(X, y);
    const c = m.clone();
    assert.equal(c.isFitted, false);
    assert.deepEqual(c.getParams(), m.getParams());
  });
}
