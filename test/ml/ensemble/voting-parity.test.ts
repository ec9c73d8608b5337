import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Classifier } from '../../../src/ml/base/types.ts';
import { VotingClassifier } from '../../../src/ml/ensemble/voting-classifier.ts';
import { ComplementNB } from '../../../src/ml/naive-bayes/complement-nb.ts';
import { MultinomialNB } from '../../../src/ml/naive-bayes/multinomial-nb.ts';
import { loadModel, saveModel } from '../../../src/ml/persist/model-file.ts';
import { readFixture } from '../../helpers/fixtures.ts';
import { loadInputs } from '../../helpers/inputs.ts';

interface Case {
  members: string[];
  voting: 'hard' | 'soft';
  weights: number[] | null;
  classes: string[];
  predict: string[];
  proba?: number[];
  tiedRows?: number;
}
const fixture = readFixture<Record<'binary' | 'multiclass', Record<string, Case>>>('voting.json');
const MEMBERS: Record<string, () => Classifier> = {
  mnb: () => new MultinomialNB({ alpha: 1.0 }),
  mnb_sharp: () => new MultinomialNB({ alpha: 0.01 }),
  cnb: () => new ComplementNB(),
};

for (const set of ['binary', 'multiclass'] as const) {
  const data = loadInputs(set);
  for (const [name, c] of Object.entries(fixture[set])) {
    test(`VotingClassifier ${c.voting} (${c.members.join(', ')}${c.weights ? `, weights ${c.weights}` : ''}) matches scikit-learn on ${set}`, () => {
      const vote = new VotingClassifier(c.members.map((m) => [m, MEMBERS[m]!()] as const), { voting: c.voting, weights: c.weights });
      vote.fit(data.Xtrain, data.ytrain);
      assert.deepEqual(vote.classes, c.classes);
      assert.deepEqual(vote.predict(data.Xtest), c.predict, name);
      if (c.proba) {
        const p = vote.predictProba(data.Xtest).data;
        assert.equal(p.length, c.proba.length);
        let worst = 0;
        for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - c.proba[i]!));
        assert.ok(worst <= 1e-12, `max |Δproba| ${worst}`);
      }
      if (c.tiedRows) assert.ok(c.tiedRows > 0); // the fixture really exercises the tie rule
      const loaded = loadModel(saveModel(vote), { expect: 'VotingClassifier' });
      assert.deepEqual(loaded.predict(data.Xtest), c.predict);
      if (c.proba) assert.deepEqual(loaded.predictProba(data.Xtest).data, vote.predictProba(data.Xtest).data);
    });
  }
}
