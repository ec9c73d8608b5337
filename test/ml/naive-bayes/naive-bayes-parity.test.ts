import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComplementNB } from '../../../src/ml/naive-bayes/complement-nb.ts';
import { MultinomialNB } from '../../../src/ml/naive-bayes/multinomial-nb.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { loadInputs } from '../../helpers/inputs.ts';

interface NBCase {
  classes: string[];
  predict: string[];
  proba: number[];
  logProba: number[];
  classLogPrior: number[];
  features: number[];
  featureLogProb: number[];
}

const fixture = readFixture<Record<string, Record<string, NBCase>>>('nb-knn.json');

const MODELS: Record<string, () => MultinomialNB | ComplementNB> = {
  MultinomialNB_a1: () => new MultinomialNB({ alpha: 1.0 }),
  'MultinomialNB_a0.1': () => new MultinomialNB({ alpha: 0.1 }),
  MultinomialNB_a1_noprior: () => new MultinomialNB({ alpha: 1.0, fitPrior: false }),
  MultinomialNB_a0: () => new MultinomialNB({ alpha: 0 }),
  ComplementNB: () => new ComplementNB(),
  ComplementNB_norm: () => new ComplementNB({ norm: true }),
  'ComplementNB_a0.5_noprior': () => new ComplementNB({ alpha: 0.5, fitPrior: false }),
};

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    // relative for large magnitudes (log probabilities of long documents reach -1e3)
    const err = Math.abs(a - e) / Math.max(1, Math.abs(e));
    if (err > worst) worst = err;
  }
  assert.ok(worst <= tol, `${what}: worst error ${worst} > ${tol}`);
}

for (const set of ['binary', 'multiclass'] as const) {
  describe(`naive Bayes parity with scikit-learn 1.2.1 (${set})`, () => {
    const data = loadInputs(set);
    for (const [name, make] of Object.entries(MODELS)) {
      it(`${name}: same predictions, probabilities within 1e-9, same weights`, () => {
        const want = fixture[set]![name]!;
        const nb = make().fit(data.Xtrain, data.ytrain);
        assert.deepEqual(nb.classes, want.classes);
        assert.deepEqual(nb.predict(data.Xtest), want.predict);
        assertClose(nb.predictProba(data.Xtest).data, want.proba, 1e-9, 'predictProba');
        assertClose(nb.predictLogProba(data.Xtest).data, want.logProba, 1e-9, 'predictLogProba');
        assertClose(nb.classLogPrior, want.classLogPrior, 1e-11, 'classLogPrior');
        const d = data.Xtrain.nCols;
        const flp = nb.featureLogProb;
        const picked = nb.classes.flatMap((_, c) => want.features.map((j) => flp[c * d + j]!));
        assertClose(picked, want.featureLogProb, 1e-11, 'featureLogProb');
      });
    }
  });
}
