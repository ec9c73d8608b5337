import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Curator } from '../../src/lifecycle/index.ts';
import { confusionOf, CV_CONFUSION, parseConfusionCell } from '../../src/registry/confusion.ts';
import type { Evaluation, Model } from '../../src/registry/index.ts';
import { addLabelled, emails, setup } from './helpers.ts';

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const trace = (m: readonly (readonly number[])[]): number => sum(m.map((row, i) => row[i]!));

describe('a build registers confusion matrices', () => {
  let curator: Curator;
  let model: Model;
  let evals: Evaluation[];
  let snapshotSize: number;
  before(async () => {
    curator = await setup();
    // One class much smaller than the other, so the folds are not all the same size.
    const base = emails(200);
    await addLabelled(curator, [...base.filter((r) => r.label === 'ham').slice(0, 90), ...base.filter((r) => r.label === 'spam').slice(0, 41)], 'ana');
    const outcome = await curator.build('spam', { actor: 'ana', reason: 'initial model' });
    assert.equal(outcome.status, 'built');
    if (outcome.status !== 'built') return;
    model = outcome.model;
    snapshotSize = outcome.snapshot.size;
    evals = await curator.registry.models.evaluations(model.id);
  });
  after(() => curator.close());

  it('out of fold: every snapshot document counted once, and each fold\'s diagonal is its registered accuracy', () => {
    const cv = confusionOf(evals, 'cv');
    assert.ok(cv !== null, 'a cv confusion matrix');
    assert.equal(cv.source, 'cv');
    assert.deepEqual(cv.labels, ['ham', 'spam']);
    assert.equal(snapshotSize, 131);
    assert.equal(sum(cv.matrix.flat()), snapshotSize, 'the held-out parts of the folds cover the snapshot once');
    assert.deepEqual(cv.matrix.map((row) => sum(row)), [90, 41], 'row sums are the class sizes');

    const cells = evals.filter((e) => e.metric === CV_CONFUSION);
    assert.equal(cells.length, 4, 'every cell, zeros included');
    const accuracy = evals.find((e) => e.metric === 'accuracy' && e.label === null)!;
    assert.equal(accuracy.foldValues.length, 3);
    for (let k = 0; k < 3; k++) {
      const n = sum(cells.map((c) => c.foldValues[k]!));
      const right = sum(cells.filter((c) => { const [t, p] = parseConfusionCell(c.label)!; return t === p; }).map((c) => c.foldValues[k]!));
      assert.ok(n > 0);
      assert.ok(Math.abs(right / n - accuracy.foldValues[k]!) < 1e-12, `fold ${k + 1}: ${right}/${n} vs accuracy ${accuracy.foldValues[k]}`);
    }
    // Recall per label is the row's diagonal share, fold by fold.
    const recallSpam = evals.find((e) => e.metric === 'recall' && e.label === 'spam')!;
    const spamRow = cells.filter((c) => parseConfusionCell(c.label)![0] === 'spam');
    for (let k = 0; k < 3; k++) {
      const tp = spamRow.find((c) => parseConfusionCell(c.label)![1] === 'spam')!.foldValues[k]!;
      assert.ok(Math.abs(tp / sum(spamRow.map((c) => c.foldValues[k]!)) - recallSpam.foldValues[k]!) < 1e-12);
    }
  });

  it('full dataset: every labelled document of the task counted, diagonal share = full_accuracy', async () => {
    const full = confusionOf(evals, 'full');
    assert.ok(full !== null);
    assert.equal(full.source, 'full');
    const labelled = (await curator.store.corpus.taskAnnotations('spam')).length;
    assert.equal(sum(full.matrix.flat()), labelled);
    const fullAccuracy = evals.find((e) => e.metric === 'full_accuracy')!.mean;
    assert.ok(Math.abs(trace(full.matrix) / labelled - fullAccuracy) < 1e-12, `${trace(full.matrix)}/${labelled} vs ${fullAccuracy}`);
  });

  it('the default is the out-of-fold matrix; the primary score is unchanged', async () => {
    assert.equal(confusionOf(evals)?.source, 'cv');
    const f1 = evals.find((e) => e.metric === 'f1_macro' && e.label === null)!;
    assert.ok(Math.abs(f1.mean - model.score!) < 1e-12, 'the primary score is unchanged');
  });
});
