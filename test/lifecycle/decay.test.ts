import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSpamCorpus, type SpamRecord } from '../../src/demo/spam-corpus.ts';
import { createCurator, type Curator } from '../../src/lifecycle/index.ts';
import { loadModel } from '../../src/ml/persist/model-file.ts';
import { GLOBAL } from '../../src/store/index.ts';
import { QUICK } from './helpers.ts';

/** Every `step`-th record of a group, from `offset`. */
function pick(corpus: readonly SpamRecord[], group: string, n: number, offset = 0): SpamRecord[] {
  const pool = corpus.filter((r) => r.group === group);
  const step = Math.floor(pool.length / n);
  return Array.from({ length: n }, (_, i) => pool[(i * step + offset) % pool.length]!);
}

describe('decay: a model trained on the 2002 spam meets the 2003 spam', () => {
  let curator: Curator;
  let corpus: SpamRecord[];

  before(async () => {
    corpus = loadSpamCorpus();
    curator = await createCurator({ store: 'sqlite::memory:', predictionLog: { flushIntervalMs: 20 }, triggers: { scheduleCheckMs: 0 }, monitor: { persistEvery: 20 } });
    for (const u of ['ana', 'bob']) await curator.addUser(u);
    await curator.createTask({
      id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 3 }, minLabels: { global: 20, user: 40, group: 40 },
      triggers: [{ kind: 'decay', minSamples: 50, window: 100, alpha: 0.01, margin: 0.05 }, { kind: 'manual' }],
    });
  });

  after(() => curator.close());

  /** Adds, labels (by ana), predicts and gives feedback for each record; returns the answers. */
  async function stream(records: readonly SpamRecord[]): Promise<{ label: string; truth: string; modelId: number }[]> {
    const out: { label: string; truth: string; modelId: number }[] = [];
    for (const r of records) {
      const [doc] = await curator.addDocuments('spam', [{ content: r.text }]);
      await curator.annotate('spam', { documentId: doc!.id, userId: 'ana', label: r.label });
      const answer = await curator.predict('spam', r.text, { userId: 'bob' });
      await curator.feedback('spam', { predictionId: answer.predictionId, label: r.label, userId: 'bob' });
      out.push({ label: answer.label, truth: r.label, modelId: answer.modelId });
    }
    return out;
  }

  const recall = (answers: readonly { label: string; truth: string }[]): number => {
    const spam = answers.filter((a) => a.truth === 'spam');
    return spam.filter((a) => a.label === 'spam').length / spam.length;
  };

  it('live recall drops, the one-sided binomial test raises the alarm, the rebuild it fires restores recall', async () => {
    // The initial model: spam-1 (2002) and ham of both years only.
    const initial = [...pick(corpus, 'spam-1', 100), ...pick(corpus, 'easy-ham-1', 100), ...pick(corpus, 'easy-ham-2', 100), ...pick(corpus, 'hard-ham-1', 50)];
    const docs = await curator.addDocuments('spam', initial.map((r) => ({ content: r.text })));
    await curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: initial[i]!.label })));
    const first = await curator.build('spam', { reason: 'initial model' });
    assert.equal(first.status, 'built');
    if (first.status !== 'built') return;
    const cvRecall = (await curator.registry.models.evaluations(first.model.id)).find((e) => e.metric === 'recall' && e.label === 'spam')!.mean;
    assert.ok(cvRecall > 0.8, `cross-validated spam recall of the spam-1 model is ${cvRecall}`);

    // The 2003 spam arrives (a burst, then mixed with new ham); feedback contradicts the model.
    const spam2 = pick(corpus, 'spam-2', 150);
    const ham = pick(corpus, 'easy-ham-2', 20, 3);
    const mixed = [...spam2.slice(0, 50), ...spam2.slice(50, 90).flatMap((s, i) => (i % 2 === 1 ? [s, ham[Math.floor(i / 2)]!] : [s]))];
    const answers = await stream(mixed);
    const before = answers.filter((a) => a.modelId === first.model.id);
    const liveRecall = recall(before);
    assert.ok(liveRecall < cvRecall - 0.15, `live recall ${liveRecall.toFixed(3)} vs cross-validated ${cvRecall.toFixed(3)}`);

    // The alarm: recorded with its statistic, and it started a rebuild (a job).
    const alarms = await curator.alarms('spam');
    assert.equal(alarms.length, 1, 'one alarm: the model does not alarm again before its window turns over');
    const alarm = alarms[0]!;
    assert.deepEqual(alarm.scope, GLOBAL);
    assert.match(alarm.reason, /one-sided exact binomial test/);
    assert.equal(alarm.detail?.['modelId'], first.model.id);
    assert.equal(alarm.detail?.['cause'], 'test');
    const tests = alarm.detail?.['tests'] as { metric: string; label: string | null; significant: boolean; live: number; cv: number }[];
    const spamRecall = tests.find((t) => t.metric === 'recall' && t.label === 'spam');
    assert.ok(spamRecall?.significant, 'the recall of spam is among the significant drops');
    assert.ok(Math.abs(spamRecall.cv - cvRecall) < 1e-12);
    const pValue = alarm.detail?.['pValue'] as number;
    assert.ok(pValue < 0.01 / 3, `p-value ${pValue}`);
    assert.ok((alarm.detail?.['n'] as number) >= 50);
    assert.ok(alarm.jobId !== null, 'the decay trigger started a build');
    const job = await curator.store.activity.getJob(alarm.jobId!);
    assert.equal(job?.taskId, 'spam');

    await curator.idle();
    const rebuilt = (await curator.store.activity.getJob(alarm.jobId!))!;
    assert.equal(rebuilt.status, 'succeeded');
    const newModelId = (rebuilt.result as { modelId: number; promoted: boolean }).modelId;
    assert.equal((rebuilt.result as { promoted: boolean }).promoted, true, 'the rebuild replaced the decayed model');
    assert.notEqual(newModelId, first.model.id);

    // The rebuilt model on 2003 spam it never saw: recall is back.
    const later = await stream(spam2.slice(90));
    assert.ok(later.every((a) => a.modelId === newModelId));
    const restored = recall(later);
    // The decayed model on the same held-out emails, for a paired comparison.
    const oldPipeline = loadModel((await curator.registry.models.load(first.model.id)).bytes, { expect: 'Pipeline' });
    const oldOnLater = oldPipeline.predict(spam2.slice(90).map((r) => r.text));
    const oldRecall = oldOnLater.filter((l) => l === 'spam').length / oldOnLater.length;
    assert.ok(restored >= cvRecall - 0.1, `recall after the rebuild ${restored.toFixed(3)} is back near the cross-validated ${cvRecall.toFixed(3)}`);
    assert.ok(restored >= oldRecall + 0.2, `on the same held-out 2003 spam: rebuilt ${restored.toFixed(3)} vs decayed ${oldRecall.toFixed(3)}`);

    // Monitoring: both models' windows, persisted and live.
    await curator.flush();
    const report = await curator.monitor('spam');
    const old = report.find((r) => r.modelId === first.model.id)!;
    const now = report.find((r) => r.modelId === newModelId)!;
    assert.notEqual(old.status, 'active', 'the decayed model no longer serves');
    assert.equal(now.status, 'active');
    assert.equal(old.count.n, before.length, 'every feedback on the decayed model is in its count window (fewer than 100)');
    assert.ok(Math.abs(old.count.perLabel['spam']!.recall - liveRecall) < 1e-12, 'the window recall is the live recall');
    const byNew = [...answers, ...later].filter((a) => a.modelId === newModelId).slice(-100);
    assert.equal(now.count.n, byNew.length);
    assert.ok(Math.abs(now.count.perLabel['spam']!.recall - recall(byNew)) < 1e-12);
    const stored = await curator.store.activity.monitorWindows(first.model.id);
    assert.ok(stored.length >= 2, 'count and time windows were written');
    assert.ok(stored.every((w) => w.n > 0 && typeof (w.metrics as { perLabel?: unknown }).perLabel === 'object'));
    console.log(`# decay: CV recall ${cvRecall.toFixed(3)}, live ${liveRecall.toFixed(3)} (n=${before.length}), p=${pValue.toExponential(2)}; held-out 2003 spam: rebuilt ${restored.toFixed(3)} vs decayed ${oldRecall.toFixed(3)}`);
  });
});
