import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  binomialCdf, ConfusionMatrix, CountWindow, createCurator, decayTests, metricFromMatrix, metricOf, oneSidedBinomialTest, Recall, TimeWindow,
  type Curator, type TriggerRule,
} from '../../src/lifecycle/index.ts';
import { addLabelled, emails, QUICK } from './helpers.ts';

/** A small seeded generator (LCG), so the random pairs are the same every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const METRICS = ['accuracy', 'f1_macro', 'precision_macro', 'recall_macro', 'f1_weighted', 'recall_weighted', 'f1_micro'];

describe('rolling metrics (River-style update/revert/get)', () => {
  it('a count window slides in O(1) and agrees with the scorers recomputed on its last N pairs', () => {
    const labels = ['a', 'b', 'c'];
    const w = new CountWindow(labels, 50);
    const r = rng(7);
    const pairs: [string, string][] = [];
    for (let i = 0; i < 400; i++) {
      const t = labels[Math.floor(r() * 3)]!;
      const p = r() < 0.7 ? t : labels[Math.floor(r() * 3)]!;
      pairs.push([t, p]);
      w.push(t, p, i);
      if (i % 37 !== 0 && i !== 399) continue;
      const last = pairs.slice(-50);
      for (const m of METRICS) {
        const want = metricOf(m, labels, last.map((x) => x[0]), last.map((x) => x[1]));
        assert.ok(Math.abs(metricFromMatrix(w.cm, m) - want) < 1e-12, `${m} at ${i}: ${metricFromMatrix(w.cm, m)} vs ${want}`);
      }
      assert.equal(w.n, Math.min(50, i + 1));
    }
    assert.deepEqual(w.span(), { start: 350, end: 399 });
  });

  it('binary f1/precision/recall use the second label as positive, as the scorers do', () => {
    const cm = new ConfusionMatrix(['spam', 'ham']);
    const yt = ['spam', 'spam', 'ham', 'ham', 'spam'];
    const yp = ['spam', 'ham', 'ham', 'spam', 'spam'];
    yt.forEach((t, i) => cm.update(t, yp[i]!));
    for (const m of ['f1', 'precision', 'recall']) assert.ok(Math.abs(metricFromMatrix(cm, m) - metricOf(m, ['ham', 'spam'], yt, yp)) < 1e-12, m);
  });

  it('metric objects share a confusion matrix; revert undoes update', () => {
    const recall = new Recall('spam', new ConfusionMatrix(['ham', 'spam']));
    recall.update('spam', 'spam');
    recall.update('spam', 'ham');
    assert.equal(recall.get(), 0.5);
    recall.revert('spam', 'ham');
    assert.equal(recall.get(), 1);
    assert.equal(recall.biggerIsBetter, true);
    assert.throws(() => recall.update('eggs', 'spam'), /UNKNOWN_LABEL|not one of ham, spam/);
  });

  it('a time window lets pairs older than its span go', () => {
    const w = new TimeWindow(['ham', 'spam'], 1000);
    w.push('spam', 'spam', 0);
    w.push('spam', 'ham', 500);
    w.push('ham', 'ham', 1400);
    assert.equal(w.n, 2, 'the pair at 0 left when one came at 1400');
    assert.equal(new Recall('spam', w.cm).get(), 0);
    w.expire(2600);
    assert.equal(w.n, 0);
    assert.equal(w.cm.total, 0);
  });
});

describe('the decay test: one-sided exact binomial', () => {
  it('binomialCdf is the exact lower tail', () => {
    assert.equal(binomialCdf(0, 10, 0.5), 1 / 1024);
    assert.ok(Math.abs(binomialCdf(3, 20, 0.5) - 1351 / 2 ** 20) < 1e-15);
    const choose = (n: number, k: number): number => (k === 0 ? 1 : (choose(n, k - 1) * (n - k + 1)) / k);
    let direct = 0;
    for (let i = 0; i <= 70; i++) direct += choose(100, i) * 0.8 ** i * 0.2 ** (100 - i);
    assert.ok(Math.abs(binomialCdf(70, 100, 0.8) - direct) / direct < 1e-10);
    assert.equal(binomialCdf(100, 100, 0.3), 1);
    assert.equal(binomialCdf(5, 10, 1), 0);
  });

  it('a clear drop is significant, a small one within the margin is not, small samples are not tested', () => {
    assert.ok(oneSidedBinomialTest(60, 100, 0.9).pValue < 1e-10);
    assert.ok(oneSidedBinomialTest(60, 100, 0.9).z < -9);
    const opts = { alpha: 0.01, margin: 0.05, minSamples: 30 };
    const tests = decayTests([
      { metric: 'accuracy', label: null, n: 100, k: 92, cv: 0.95 }, // within the margin
      { metric: 'recall', label: 'spam', n: 50, k: 30, cv: 0.95 }, // a drop
      { metric: 'recall', label: 'ham', n: 10, k: 0, cv: 0.95 }, // too few
    ], opts);
    assert.equal(tests.length, 2);
    assert.equal(tests[0]!.significant, false);
    assert.equal(tests[1]!.significant, true);
    assert.equal(tests[1]!.level, 0.005, 'Bonferroni over the two proportions tested');
    assert.ok(Math.abs(tests[1]!.p0 - 0.9) < 1e-12);
  });
});

async function curatorWith(triggers: TriggerRule[], store = 'sqlite::memory:'): Promise<Curator> {
  const curator = await createCurator({ store, jobs: { engine: 'in-process' }, predictionLog: { flushIntervalMs: 20 }, triggers: { scheduleCheckMs: 0 }, monitor: { persistEvery: 10 } });
  if ((await curator.store.corpus.getUser('ana')) === undefined) {
    await curator.addUser('ana');
    await curator.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 3 }, minLabels: { global: 20, user: 40, group: 40 }, triggers });
  }
  return curator;
}

/** Predicts each text and gives feedback `truth(i)`; returns the model ids that answered. */
async function feedbackOn(curator: Curator, texts: readonly string[], truth: (i: number, predicted: string) => string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    const a = await curator.predict('spam', texts[i]!);
    await curator.feedback('spam', { predictionId: a.predictionId, label: truth(i, a.label) });
    ids.push(a.modelId);
  }
  return ids;
}

describe('monitoring through the curator', () => {
  it('the floor: no alarm below the minimum of samples; then one alarm that fires the decay rule, recorded with its figures', async () => {
    const curator = await curatorWith([{ kind: 'decay', floor: 0.9, minSamples: 12, window: 20 }, { kind: 'manual' }]);
    try {
      const base = emails(40);
      await addLabelled(curator, base, 'ana');
      const first = await curator.build('spam');
      assert.equal(first.status, 'built');
      // Feedback that always contradicts the model: live accuracy 0.
      const texts = emails(30, base).map((r) => r.text);
      await feedbackOn(curator, texts.slice(0, 11), (_i, p) => (p === 'spam' ? 'ham' : 'spam'));
      assert.equal((await curator.alarms('spam')).length, 0, '11 < minSamples: no alarm');
      await feedbackOn(curator, texts.slice(11, 12), (_i, p) => (p === 'spam' ? 'ham' : 'spam'));
      const [alarm] = await curator.alarms('spam');
      assert.ok(alarm, 'the 12th feedback raised the alarm');
      assert.equal(alarm.rule, 'decay');
      assert.match(alarm.reason, /live f1_macro of model #\d+ \(global\) is 0\.000 over the last 12 feedbacks, below the floor 0\.9/);
      assert.equal(alarm.detail?.['cause'], 'floor');
      assert.equal(alarm.detail?.['n'], 12);
      assert.ok(alarm.jobId !== null, 'the decay rule started a rebuild');
      await curator.idle();
      // The same model does not alarm again before its window (20) turns over.
      await curator.flush();
      assert.equal((await curator.alarms('spam')).length, 1);
    } finally {
      await curator.close();
    }
  });

  it('without a decay rule the alarm is recorded but builds nothing', async () => {
    const curator = await curatorWith([{ kind: 'manual' }]);
    try {
      const base = emails(40);
      await addLabelled(curator, base, 'ana');
      await curator.build('spam');
      await feedbackOn(curator, emails(40, base).map((r) => r.text), (_i, p) => (p === 'spam' ? 'ham' : 'spam'));
      const alarms = await curator.alarms('spam');
      assert.equal(alarms.length, 1);
      assert.equal(alarms[0]!.jobId, null);
      assert.match(alarms[0]!.reason, /one-sided exact binomial test.*no decay rule covers global scopes: not rebuilt/);
    } finally {
      await curator.close();
    }
  });

  it('windows are written every persistEvery feedbacks and on flush, and rebuilt from stored feedback after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'curator-monitor-'));
    const url = `sqlite:${join(dir, 'm.db')}`;
    try {
      let curator = await curatorWith([{ kind: 'manual' }], url);
      const base = emails(40);
      await addLabelled(curator, base, 'ana');
      const built = await curator.build('spam');
      assert.equal(built.status, 'built');
      if (built.status !== 'built') return;
      const texts = emails(25, base);
      await feedbackOn(curator, texts.map((r) => r.text), (i) => texts[i]!.label);
      let stored = await curator.store.activity.monitorWindows(built.model.id);
      assert.equal(stored.length, 4, 'after 10 and 20 feedbacks: a count and a time window each');
      await curator.flush();
      stored = await curator.store.activity.monitorWindows(built.model.id);
      assert.equal(stored.length, 6);
      const last = stored.filter((w) => (w.metrics as { kind: string }).kind === 'count').at(-1)!;
      assert.equal(last.n, 25);
      const [live] = await curator.monitor('spam');
      assert.equal(live!.modelId, built.model.id);
      assert.equal(live!.count.n, 25);
      assert.ok(Math.abs(live!.count.accuracy - last.accuracy!) < 1e-12);
      assert.ok(live!.cv['accuracy']! > 0.5 && live!.cv['recall:spam']! > 0);
      await curator.close();

      curator = await curatorWith([{ kind: 'manual' }], url);
      const [again] = await curator.monitor('spam');
      assert.equal(again!.count.n, 25, 'the window came back from the feedback table');
      assert.deepEqual(again!.count.perLabel, live!.count.perLabel);
      await curator.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
