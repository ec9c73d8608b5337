import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinearSVC, type LinearSVCParams } from '../../../src/ml/linear/linear-svc.ts';
import { loadInputs } from '../../helpers/inputs.ts';
import { agreement, commonChecks, maxAbsDiff, rowNorms, sklearnRun } from './linear-helpers.ts';

// Both solvers reach the same optimum (the problem is strictly convex) but visit coordinates in
// different random orders, so they stop at slightly different points inside tol = 1e-4: decision
// values are held to 1e-3, and to 1e-6 when both are run to tol = 1e-10.
const CASES: [string, Partial<LinearSVCParams>, number][] = [
  ['LinearSVC_C1', { C: 1 }, 1e-3],
  ['LinearSVC_C0.1', { C: 0.1 }, 1e-3],
  ['LinearSVC_hinge', { C: 1, loss: 'hinge', maxIter: 100000 }, 1e-3],
  ['LinearSVC_C1_tight', { C: 1, tol: 1e-10, maxIter: 100000 }, 1e-6],
];

describe('LinearSVC parity with scikit-learn 1.2.1', () => {
  for (const set of ['binary', 'multiclass'] as const) {
    const data = loadInputs(set);
    for (const [name, params, tolerance] of CASES) {
      it(`${set} ${name}: decision values within ${tolerance}, predictions agree`, () => {
        const ref = sklearnRun(set, name);
        const m = new LinearSVC(params).fit(data.Xtrain, data.ytrain);
        assert.deepEqual(m.classes, ref.classes);
        const dec = m.decisionFunction(data.Xtest);
        assert.equal(dec.nCols, set === 'binary' ? 1 : ref.classes.length);
        assert.ok(maxAbsDiff(dec.data, ref.decision) <= tolerance, `max |diff| ${maxAbsDiff(dec.data, ref.decision)}`);
        assert.ok(agreement(m.predict(data.Xtest), ref.predict) >= 0.995);
        assert.ok(maxAbsDiff(rowNorms(m.coef, dec.nCols), ref.coefNorms) <= tolerance * 10);
        assert.ok(maxAbsDiff(m.intercept, ref.intercept) <= tolerance);
      });
    }
  }

  it('gives the same model for the same seed, and an equivalent one for another seed', () => {
    const data = loadInputs('multiclass');
    const a = new LinearSVC({ randomState: 3 }).fit(data.Xtrain, data.ytrain);
    const b = new LinearSVC({ randomState: 3 }).fit(data.Xtrain, data.ytrain);
    const c = new LinearSVC({ randomState: 4 }).fit(data.Xtrain, data.ytrain);
    assert.deepEqual(a.coef, b.coef);
    assert.ok(maxAbsDiff(a.decisionFunction(data.Xtest).data, c.decisionFunction(data.Xtest).data) < 1e-3);
  });
});

describe('LinearSVC contract', () => {
  commonChecks(it, 'LinearSVC', (p) => new LinearSVC(p as Partial<LinearSVCParams>), (s) => LinearSVC.fromState(s), { C: 0 });
  it('has no predictProba, like scikit-learn', () => {
    assert.equal('predictProba' in new LinearSVC(), false);
  });
});
