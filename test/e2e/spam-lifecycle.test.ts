/*
 * The whole life cycle on the SpamAssassin corpus, end to end, on a SQLite file (so builds run
 * on the worker-thread job engine): seed build → emails streamed in arrival order and labelled
 * by simulated people (an expert who is always right, ordinary users who are sometimes wrong) →
 * growth triggers and their builds → a user-scope model for the expert → the 2003 spam meets the
 * 2002 model: live recall drops, the decay alarm fires, its rebuild restores recall.
 * A few hundred emails and 4 folds, so it stays well under a minute on two busy cores.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSpamCorpus } from '../../src/demo/spam-corpus.ts';
import { deliver, type Delivery } from '../../src/demo/spam-stream.ts';
import { Crowd, figuresFor, spread, timeline, type TimedRecord } from '../../src/demo/spam-timeline.ts';
import type { JobEvent } from '../../src/jobs/index.ts';
import { createCurator, type Curator } from '../../src/lifecycle/index.ts';
import { loadModel } from '../../src/ml/persist/model-file.ts';
import { GLOBAL, type Model } from '../../src/store/index.ts';
import { QUICK } from '../lifecycle/helpers.ts';

const MIN_USER = 120;
const dir = mkdtempSync(join(tmpdir(), 'curator-e2e-'));

/**
 * The sample: 400 emails of the 2002 release and 240 of the 2003 one, evenly spread over each
 * in arrival order, so the classes keep the corpus's own mix (15 % spam in 2002, half in 2003).
 */
function sample(): { y2002: TimedRecord[]; y2003: TimedRecord[] } {
  const all = timeline(loadSpamCorpus());
  return { y2002: spread(all.filter((r) => r.release === 2002), 400), y2003: spread(all.filter((r) => r.release === 2003), 240) };
}

describe('end to end: the spam filter life cycle on the SpamAssassin corpus (SQLite file, worker-thread builds)', { timeout: 180_000 }, () => {
  let curator: Curator;
  const { y2002, y2003 } = sample();
  const seed = y2002.slice(0, 100);
  const stream2002 = y2002.slice(100);
  const crowd = new Crowd({
    annotators: [{ userId: 'eve', share: 6, errorRate: 0 }, { userId: 'ana', share: 2, errorRate: 0.2 }, { userId: 'bob', share: 2, errorRate: 0.2 }],
    expert: 'eve', reviewRate: 0.5, labels: ['ham', 'spam'], seed: 2002,
  });
  const delivered: Delivery[] = [];
  let seedModel: Model;
  let seedDocIds: number[] = [];

  before(async () => {
    curator = await createCurator({ store: `sqlite:${join(dir, 'e2e.db')}`, predictionLog: { flushIntervalMs: 20 }, triggers: { scheduleCheckMs: 0 }, monitor: { persistEvery: 20 } });
    for (const u of ['eve', 'ana', 'bob', 'carl']) await curator.addUser(u);
    await curator.addGroup('experts', { expert: true });
    await curator.addMember('eve', 'experts');
    await curator.createTask({
      id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 4 },
      minLabels: { global: 20, group: 1000, user: MIN_USER },
      selection: { policy: 'fallback', floor: 0.65 },
      triggers: [
        { kind: 'growth', labels: 250, scopes: ['global'] },
        { kind: 'growth', labels: MIN_USER, scopes: ['user'] },
        { kind: 'decay', scopes: ['global'], minSamples: 60, window: 100, alpha: 0.01, margin: 0.05 },
        { kind: 'manual' },
      ],
    });
  });

  after(async () => {
    await curator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a. the seed set builds a global model on a worker thread, which is promoted and predicts', async () => {
    const events: JobEvent[] = [];
    const stop = curator.subscribeJobs((e) => events.push(e));
    assert.ok(stop !== undefined, 'a SQLite file gets the worker-thread job engine');
    const spamInSeed = seed.filter((r) => r.label === 'spam').length;
    assert.ok(spamInSeed >= 8 && seed.length - spamInSeed >= 8, `both classes in the seed (${spamInSeed} spam of ${seed.length})`);
    const docs = await curator.addDocuments('spam', seed.map((r) => ({ content: r.text, externalId: r.key })));
    seedDocIds = docs.map((d) => d.id);
    await curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'eve', label: seed[i]!.label })));
    assert.equal((await curator.triggerEvents('spam')).length, 0, '100 labels: below the growth rules, nothing fired');

    const outcome = await curator.build('spam', { actor: 'eve', reason: 'seed set' });
    stop();
    assert.equal(outcome.status, 'built');
    const mine = events.filter((e) => e.jobId === outcome.jobId);
    assert.deepEqual(mine.map((e) => e.type).filter((t, i, a) => a[i - 1] !== t), ['queued', 'started', 'progress', 'succeeded']);
    // "candidate j of m" is added by the build worker thread (build-worker.ts) only.
    assert.ok(mine.some((e) => e.type === 'progress' && e.progress.stage === 'cv' && e.progress.candidateIndex === 2 && e.progress.fold === 4));
    if (outcome.status !== 'built') return;
    assert.equal(outcome.promoted, true);
    assert.match(outcome.decision.reason, /first model/);
    assert.equal(outcome.folds, 4);
    assert.equal(outcome.snapshot.size, 100);
    seedModel = outcome.model;
    assert.equal(seedModel.status, 'active');
    assert.deepEqual(seedModel.scope, GLOBAL);
    // Always answering ham would score about 0.46 here (ham F1 0.92, spam F1 0).
    assert.ok(seedModel.score! > 0.5, `seed model cross-validated f1_macro ${seedModel.score}`);
    const job = await curator.store.jobs.get(outcome.jobId);
    assert.equal(job?.status, 'succeeded');

    const later = stream2002.slice(-20);
    const answers = await Promise.all(later.map((r) => curator.predict('spam', r.text, { userId: 'carl' })));
    assert.ok(answers.every((a) => a.modelId === seedModel.id && a.scope.kind === 'global' && a.policy === 'fallback'));
    const right = answers.filter((a, i) => a.label === later[i]!.label).length;
    assert.ok(right >= 16, `the seed model gets ${right} of 20 unseen 2002 emails right`);
  });

  it('b+c. the 2002 stream is labelled by the crowd; growth fires, is recorded with its reason and job, and its build runs', async () => {
    for (const email of stream2002) delivered.push(await deliver(curator, 'spam', email, crowd));
    await curator.idle();

    // The crowd: ordinary users made mistakes; the expert's review wins label resolution.
    const labels = delivered.flatMap((d) => d.labels.map((l) => ({ ...l, truth: d.truth })));
    const wrong = labels.filter((l) => l.label !== l.truth);
    assert.ok(wrong.length >= 5 && wrong.every((l) => l.userId !== 'eve'), `${wrong.length} wrong labels, none by the expert`);
    const disputed = delivered.filter((d) => d.labels.some((l) => l.label !== d.truth) && d.labels.some((l) => l.review));
    assert.ok(disputed.length >= 2, `${disputed.length} wrong labels the expert reviewed`);

    const growth = await curator.triggerEvents('spam', { rule: 'growth' });
    const global = growth.filter((e) => e.scope.kind === 'global');
    assert.ok(global.length >= 1, 'the global growth rule fired');
    const fired = global.at(-1)!;
    assert.match(fired.reason, /^growth: \d+ labels \(global\) since the last build; rule: 250 new labels$/);
    assert.ok((fired.detail?.['labelsSince'] as number) >= 250);
    assert.ok(fired.jobId !== null, 'the firing names the job it started');
    const job = (await curator.store.jobs.get(fired.jobId!))!;
    assert.equal(job.status, 'succeeded');
    assert.equal((job.params as { trigger?: string }).trigger, 'growth');
    const result = job.result as { modelId: number; promoted: boolean; reason: string };
    const built = await curator.registry.models.get(result.modelId);
    assert.equal(built.jobId, fired.jobId);
    assert.deepEqual(built.scope, GLOBAL);
    assert.ok(built.snapshotId !== null);
    const snapshot = await curator.registry.snapshots.get(built.snapshotId!);
    assert.ok(snapshot.size >= 100 + 180, `the growth build's snapshot holds ${snapshot.size} labelled emails`);
    assert.ok(built.score! > seedModel.score!, `more labels, a better model: f1_macro ${built.score} vs the seed's ${seedModel.score}`);

    // Label resolution in that snapshot: every disputed email it holds carries the expert's (true) label.
    const items = new Map((await curator.registry.snapshots.items(snapshot.id)).map((i) => [i.documentId, i.label]));
    const held = disputed.filter((d) => items.has(d.documentId));
    assert.ok(held.length >= 1);
    for (const d of held) assert.equal(items.get(d.documentId), d.truth, `document ${d.documentId}: the expert's label wins`);
  });

  it('d. the expert, past the user minimum, gets a user-scope model selected for her; an ordinary user gets the global model', async () => {
    const counts = await curator.store.lifecycle.labelCountsByUser('spam');
    assert.ok(counts.get('eve')! >= MIN_USER, `eve has ${counts.get('eve')} labels`);
    assert.ok(counts.get('ana')! < MIN_USER, `ana has ${counts.get('ana')} labels`);
    const eligible = await curator.eligibleScopes('spam');
    assert.deepEqual(eligible.filter((s) => s.kind === 'user'), [{ kind: 'user', userId: 'eve' }]);

    const userFirings = (await curator.triggerEvents('spam', { rule: 'growth' })).filter((e) => e.scope.kind === 'user');
    assert.ok(userFirings.length >= 1 && userFirings.every((e) => e.scope.kind === 'user' && e.scope.userId === 'eve' && e.jobId !== null));
    assert.match(userFirings.at(-1)!.reason, /growth: \d+ labels \(user eve\)/);

    const eveModel = (await curator.registry.models.list({ taskId: 'spam', status: 'active' })).items.find((m) => m.scope.kind === 'user');
    assert.ok(eveModel !== undefined, 'an active user-scope model');
    assert.deepEqual(eveModel.scope, { kind: 'user', userId: 'eve' });
    assert.ok(eveModel.score! >= 0.65, `its validated f1_macro ${eveModel.score} clears the selection floor`);
    const text = y2002.at(-1)!.text;
    const forEve = await curator.predict('spam', text, { userId: 'eve' });
    assert.deepEqual(forEve.scope, { kind: 'user', userId: 'eve' });
    assert.equal(forEve.modelId, eveModel.id);
    for (const other of ['ana', 'carl']) {
      const a = await curator.predict('spam', text, { userId: other });
      assert.deepEqual(a.scope, GLOBAL, `${other} gets the global model`);
      assert.notEqual(a.modelId, eveModel.id);
    }
  });

  it('e. the 2002 model meets the 2003 spam: live recall drops, the decay alarm fires, its rebuild restores recall', async () => {
    // The 2002 release is complete: train now, so the model meeting 2003 has seen all of it.
    const pressed = await curator.trigger('spam', { actor: 'eve', reason: '2002 release complete' });
    assert.equal(pressed.status, 'started');
    assert.match(pressed.reason, /manual: 2002 release complete \(eve, global\)/);
    await pressed.outcome;
    const model2002 = (await curator.registry.promotions.activeAt('spam', GLOBAL))!;
    const trainedOn = await curator.registry.snapshots.items(model2002.snapshotId!);
    const of2002 = new Set([...seedDocIds, ...delivered.map((d) => d.documentId)]);
    assert.ok(trainedOn.length >= 250);
    assert.ok(trainedOn.every((i) => of2002.has(i.documentId)), 'the 2002 model was trained on 2002 emails only (spam-1 and ham)');
    const cvRecall = (await curator.registry.models.evaluations(model2002.id)).find((e) => e.metric === 'recall' && e.label === 'spam')!.mean;

    // 2003 arrives: carl reads, gets predictions and reports the truth; the crowd labels. Until
    // the alarm: then the test waits for the rebuild, so what it learnt from is fixed (the
    // emails up to the alarm) and the figures are the same every run.
    const first: Delivery[] = [];
    for (const email of y2003) {
      first.push(await deliver(curator, 'spam', email, crowd, { reader: 'carl' }));
      if ((await curator.alarms('spam', 1)).length > 0) break;
    }
    assert.ok(first.length < 120, `the alarm fired after ${first.length} emails of 2003`);
    await curator.idle();
    const byOld = first.filter((d) => d.answer!.modelId === model2002.id).map((d) => ({ label: d.answer!.label, truth: d.truth }));
    assert.equal(byOld.length, first.length, 'the 2002 model answered every 2003 email up to the alarm');
    const live = figuresFor(byOld, 'spam');
    assert.ok(live.support >= 40, `${live.support} spam answered by the 2002 model`);
    assert.ok(live.recall < cvRecall - 0.15, `live spam recall ${live.recall.toFixed(3)} vs cross-validated ${cvRecall.toFixed(3)}`);

    // The alarm: recorded with its statistic, naming the model, and the job of its rebuild.
    const alarms = await curator.alarms('spam');
    assert.equal(alarms.length, 1);
    const alarm = alarms[0]!;
    assert.deepEqual(alarm.scope, GLOBAL);
    assert.match(alarm.reason, /one-sided exact binomial test/);
    assert.equal(alarm.detail?.['modelId'], model2002.id);
    assert.ok((alarm.detail?.['pValue'] as number) < 0.01);
    assert.ok(alarm.jobId !== null, 'the decay rule started a rebuild');
    const rebuild = (await curator.store.jobs.get(alarm.jobId!))!;
    assert.equal(rebuild.status, 'succeeded');
    assert.equal((rebuild.params as { trigger?: string }).trigger, 'decay');
    const rebuilt = rebuild.result as { modelId: number; promoted: boolean };
    assert.equal(rebuilt.promoted, true, 'the rebuild replaced the decayed model');
    assert.equal((await curator.registry.promotions.activeAt('spam', GLOBAL))?.id, rebuilt.modelId);
    assert.equal((await curator.registry.models.get(model2002.id)).status, 'candidate', 'the decayed champion stepped down');

    // The rest of 2003: the next feedback, answered by the rebuilt model.
    const rest = y2003.slice(first.length);
    const second: Delivery[] = [];
    for (const email of rest) second.push(await deliver(curator, 'spam', email, crowd, { reader: 'carl' }));
    await curator.idle();
    const byNew = second.filter((d) => d.answer!.modelId === rebuilt.modelId).map((d) => ({ label: d.answer!.label, truth: d.truth }));
    const restored = figuresFor(byNew, 'spam');
    assert.ok(restored.support >= 40, `${restored.support} spam answered by the rebuilt model`);
    // The decayed model on the same emails, for a paired comparison.
    const old = loadModel((await curator.registry.models.load(model2002.id)).bytes, { expect: 'Pipeline' });
    const spamTexts = rest.filter((r, i) => r.label === 'spam' && second[i]!.answer!.modelId === rebuilt.modelId).map((r) => r.text);
    const oldRecall = old.predict(spamTexts).filter((l) => l === 'spam').length / spamTexts.length;
    assert.ok(restored.recall >= oldRecall + 0.2, `same 2003 spam: rebuilt recall ${restored.recall.toFixed(3)} vs decayed ${oldRecall.toFixed(3)}`);
    assert.ok(restored.recall >= live.recall + 0.2, `recall after the rebuild ${restored.recall.toFixed(3)} vs during decay ${live.recall.toFixed(3)}`);
    assert.ok(restored.precision >= 0.85, `precision stays high: ${restored.precision.toFixed(3)}`);

    // The monitor's windows agree with what the reader saw.
    await curator.flush();
    const report = await curator.monitor('spam');
    const oldWindow = report.find((r) => r.modelId === model2002.id)!;
    assert.ok(Math.abs(oldWindow.count.perLabel['spam']!.recall - figuresFor(byOld.slice(-100), 'spam').recall) < 1e-12);
    const newWindow = report.find((r) => r.modelId === rebuilt.modelId)!;
    assert.equal(newWindow.status, 'active');
    const allNew = [...first, ...second].filter((d) => d.answer!.modelId === rebuilt.modelId).map((d) => ({ label: d.answer!.label, truth: d.truth }));
    assert.ok(Math.abs(newWindow.count.perLabel['spam']!.recall - figuresFor(allNew.slice(-100), 'spam').recall) < 1e-12);
    console.log(`# e2e: 2002 model CV recall ${cvRecall.toFixed(3)}, live on 2003 ${live.recall.toFixed(3)} (n=${live.n}); alarm p=${(alarm.detail?.['pValue'] as number).toExponential(2)};` +
      ` rebuilt #${rebuilt.modelId}: recall ${restored.recall.toFixed(3)} (n=${restored.support}) vs decayed ${oldRecall.toFixed(3)} on the same spam`);
  });
});
