import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Curator } from '../../src/lifecycle/index.ts';
import { GLOBAL } from '../../src/store/index.ts';
import { addLabelled, emails, setup } from './helpers.ts';

describe('builds', () => {
  let curator: Curator;
  const first = emails(240);
  before(async () => {
    curator = await setup();
    await addLabelled(curator, first, 'ana');
  });
  after(() => curator.close());

  it('the initial build cross-validates every candidate, registers the winner with per-fold evaluations and promotes it', async () => {
    const stages = new Set<string>();
    const outcome = await curator.build('spam', { actor: 'ana', reason: 'initial model', onProgress: (p) => stages.add(p.stage) });
    assert.equal(outcome.status, 'built');
    if (outcome.status !== 'built') return;
    assert.deepEqual([...stages], ['snapshot', 'cv', 'fit', 'evaluate', 'register', 'promote']);
    assert.equal(outcome.candidates.length, 2);
    assert.equal(outcome.folds, 3);
    assert.ok(outcome.candidates[0]!.mean >= outcome.candidates[1]!.mean, 'candidates are ranked best first');
    assert.equal(outcome.promoted, true);
    assert.match(outcome.decision.reason, /first model/);
    assert.equal(outcome.model.status, 'active');
    assert.equal(outcome.model.scoreMetric, 'f1_macro');
    assert.ok(outcome.model.score! > 0.8, `cross-validated F1 ${outcome.model.score}`);
    assert.equal(outcome.model.snapshotId, outcome.snapshot.id);
    assert.equal(outcome.snapshot.size, 240);

    const evals = await curator.registry.models.evaluations(outcome.model.id);
    const f1 = evals.find((e) => e.metric === 'f1_macro' && e.label === null)!;
    assert.equal(f1.foldValues.length, 3);
    assert.ok(Math.abs(f1.mean - outcome.model.score!) < 1e-12);
    for (const label of ['ham', 'spam']) {
      for (const metric of ['precision', 'recall', 'f1']) assert.ok(evals.some((e) => e.metric === metric && e.label === label && e.foldValues.length === 3), `${metric}:${label}`);
    }
    assert.ok(evals.some((e) => e.metric === 'fit_time_s'));
    assert.ok(evals.some((e) => e.metric === 'full_f1_macro' && e.foldValues.length === 1), 'evaluated on the full dataset');

    const active = await curator.registry.promotions.activeAt('spam', GLOBAL);
    assert.equal(active?.id, outcome.model.id);
    const [event] = await curator.registry.promotions.history('spam');
    assert.match(event!.reason, /first model/);
    const job = await curator.store.activity.getJob(outcome.jobId);
    assert.equal(job?.status, 'succeeded');
    assert.equal((job?.result as { modelId: number }).modelId, outcome.model.id);
  });

  it('a rebuild compares challenger and champion on the shared folds, on documents the champion never saw, and records the decision', async () => {
    const champion = await curator.registry.promotions.activeAt('spam', GLOBAL);
    await addLabelled(curator, emails(30, first), 'ana');
    const outcome = await curator.build('spam', { reason: 'growth' });
    assert.equal(outcome.status, 'built');
    if (outcome.status !== 'built') return;
    assert.ok('folds' in outcome.decision);
    const d = outcome.decision;
    assert.ok(d.documents > 0 && d.documents <= 30, `compared on the ${d.documents} documents the champion never saw`);
    const job = await curator.store.activity.getJob(outcome.jobId);
    assert.equal((job?.result as { reason: string }).reason, d.reason);
    const active = await curator.registry.promotions.activeAt('spam', GLOBAL);
    if (outcome.promoted) {
      assert.equal(active?.id, outcome.model.id);
      assert.match(d.reason, /challenger beats champion/);
    } else {
      assert.equal(active?.id, champion?.id);
      assert.match(d.reason, /champion #\d+ stays/);
      assert.equal(outcome.model.status, 'candidate');
    }
  });

  it('building the same labelled data again registers nothing new', async () => {
    const before = await curator.registry.models.count({ taskId: 'spam' });
    const outcome = await curator.build('spam');
    assert.equal(outcome.status, 'skipped');
    assert.equal(await curator.registry.models.count({ taskId: 'spam' }), before);
  });
});

describe('promotion policy', () => {
  it('keeps the champion when the challenger is not better by the margin, and stores the reason', async () => {
    const curator = await setup({ promotion: { margin: 0.5 } });
    try {
      const base = emails(200);
      await addLabelled(curator, base, 'ana');
      const first = await curator.build('spam');
      assert.equal(first.status === 'built' && first.promoted, true, 'the first model is promoted whatever the margin');
      await addLabelled(curator, emails(40, base), 'ana');
      const second = await curator.build('spam', { reason: 'growth' });
      assert.equal(second.status, 'built');
      if (second.status !== 'built' || first.status !== 'built') return;
      assert.equal(second.promoted, false);
      assert.match(second.decision.reason, new RegExp(`champion #${first.model.id} stays.*margin 0\\.5`));
      assert.equal((await curator.registry.promotions.activeAt('spam', GLOBAL))?.id, first.model.id);
      assert.equal((await curator.registry.models.get(second.model.id)).status, 'candidate');
      assert.equal(second.model.parentId, first.model.id);
      const job = await curator.store.activity.getJob(second.jobId);
      assert.equal((job?.result as { promoted: boolean; reason: string }).promoted, false);
      assert.equal((job?.result as { reason: string }).reason, second.decision.reason);
      assert.equal((await curator.registry.promotions.history('spam')).length, 1, 'no promotion recorded');
    } finally {
      await curator.close();
    }
  });
});
