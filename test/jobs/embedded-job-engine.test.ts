import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EmbeddedJobEngine, type JobEvent, type JobProgress } from '../../src/jobs/index.ts';
import { createCurator, type Curator } from '../../src/lifecycle/index.ts';
import { CuratorError } from '../../src/ml/errors.ts';
import { GLOBAL } from '../../src/store/index.ts';
import { addLabelled, emails, QUICK } from '../lifecycle/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'curator-jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fileCurator(name: string, jobs: Record<string, unknown> = {}): Promise<Curator> {
  const curator = await createCurator({ store: `sqlite:${join(dir, name)}`, jobs, predictionLog: { flushIntervalMs: 20 } });
  await curator.addUser('ana');
  await curator.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 4 }, minLabels: { global: 20, user: 40, group: 40 } });
  return curator;
}

const codeOf = (fn: () => Promise<unknown>): Promise<{ code: string; field: string | undefined; message: string }> =>
  fn().then(
    () => assert.fail('expected a CuratorError'),
    (e: unknown) => {
      assert.ok(e instanceof CuratorError, `a CuratorError, got ${String(e)}`);
      return { code: e.code, field: e.field, message: e.message };
    },
  );

describe('embedded job engine (worker threads over the jobs table)', { timeout: 120_000 }, () => {
  let curator: Curator;
  const first = emails(300);
  before(async () => {
    curator = await fileCurator('engine.db');
    await addLabelled(curator, first, 'ana');
  });
  after(() => curator.close());

  it('a file database builds on a worker thread: progress names fold i of n and candidate j of m, and the job row keeps the latest', async () => {
    const seen: JobProgress[] = [];
    const outcome = await curator.build('spam', { reason: 'initial model', onProgress: (p) => seen.push(p as JobProgress) });
    assert.equal(outcome.status, 'built');
    const cv = seen.filter((p) => p.stage === 'cv');
    assert.equal(cv.length, 4 * QUICK.length, 'one step per (fold, candidate)');
    assert.deepEqual(cv.map((p) => [p.fold, p.folds, p.candidateIndex, p.candidates]), [1, 2, 3, 4].flatMap((f) => [[f, 4, 1, 2], [f, 4, 2, 2]]));
    assert.deepEqual(cv.map((p) => p.candidate), [1, 2, 3, 4].flatMap(() => QUICK.map((c) => c.name)));
    assert.ok(seen.every((p) => p.jobId === outcome.jobId && p.attempt === 1));
    const job = await curator.store.jobs.get(outcome.jobId);
    assert.equal(job?.status, 'succeeded');
    assert.equal(job?.attempts, 1);
    assert.equal(job?.owner, null, 'a finished job has no holder');
    assert.equal(job?.detail?.['stage'], 'promote', 'the row has the last progress step');
  });

  it('predictions are answered while a build runs (the event loop is free)', async () => {
    await addLabelled(curator, emails(60, first), 'ana');
    let finished = false;
    const build = curator.build('spam', { reason: 'growth' }).finally(() => (finished = true));
    let during = 0;
    while (!finished) {
      await curator.predict('spam', 'cheap pills, click here');
      if (!finished) during++;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal((await build).status, 'built');
    assert.ok(during > 10, `${during} predictions answered during the build`);
  });

  it('subscribers see queued, started, progress and succeeded, in order', async () => {
    const engine = new EmbeddedJobEngine({ store: curator.store, url: `sqlite:${join(dir, 'engine.db')}` });
    const events: JobEvent[] = [];
    engine.subscribe((e) => events.push(e));
    try {
      await addLabelled(curator, emails(30, first), 'ana');
      const { jobId, outcome } = await engine.submit({ taskId: 'spam', scope: GLOBAL, actor: 'ana', reason: 'manual' });
      await outcome;
      const types = events.map((e) => e.type).filter((t, i, a) => a[i - 1] !== t);
      assert.deepEqual(types, ['queued', 'started', 'progress', 'succeeded']);
      assert.ok(events.every((e) => e.jobId === jobId && e.taskId === 'spam'));
    } finally {
      await engine.close();
    }
  });

  it('a build that fails by itself keeps its error code, is marked failed and is not retried', async () => {
    const engine = new EmbeddedJobEngine({ store: curator.store, url: `sqlite:${join(dir, 'engine.db')}`, maxAttempts: 3 });
    try {
      const { jobId, outcome } = await engine.submit({ taskId: 'spam', scope: { kind: 'user', userId: 'nobody' }, actor: 'ana', reason: 'manual' });
      const e = await codeOf(() => outcome);
      assert.equal(e.code, 'INVALID_REFERENCE');
      assert.equal(e.field, 'scope.userId');
      const job = await curator.store.activity.getJob(jobId);
      assert.equal(job?.status, 'failed');
      assert.equal(job?.attempts, 1);
      assert.match(job?.error ?? '', /no user 'nobody'/);
    } finally {
      await engine.close();
    }
  });
});

describe('recovery of a job whose process stopped after promoting its model', { timeout: 120_000 }, () => {
  it('the retry finds the model its earlier attempt registered and promoted, and finishes the job without a second model', async () => {
    const file = join(dir, 'after-promote.db');
    const curator = await fileCurator('after-promote.db');
    await addLabelled(curator, emails(200), 'ana');
    const outcome = await curator.build('spam');
    assert.equal(outcome.status, 'built');
    if (outcome.status !== 'built') return;
    // As if the process died between promotion and the job's last write: still 'running', held by a process that is gone.
    await curator.store.activity.updateJob(outcome.jobId, { status: 'running', finishedAt: null });
    await curator.store.jobs.takeOver(outcome.jobId, null, 'localhost-gone:999999999:dead');
    await curator.store.activity.updateJob(outcome.jobId, { status: 'running' }, new Date(0));
    await curator.close();

    const again = await createCurator({ store: `sqlite:${file}` });
    try {
      assert.equal(again.recovered.length, 1);
      const r = await again.recovered[0]!.outcome!;
      assert.equal(r.status, 'built');
      if (r.status !== 'built') return;
      assert.equal(r.model.id, outcome.model.id, 'the same model, not a duplicate');
      assert.equal(r.promoted, true);
      assert.match(r.decision.reason, /earlier attempt/);
      const job = await again.store.activity.getJob(outcome.jobId);
      assert.equal(job?.status, 'succeeded');
      assert.equal(job?.attempts, 2);
      assert.equal((await again.registry.models.list({ taskId: 'spam' })).items.length, 1);
      assert.equal((await again.registry.promotions.history('spam')).length, 1, 'promoted once');
    } finally {
      await again.close();
    }
  });
});

describe('choosing the engine', () => {
  it('sqlite::memory: cannot use worker threads; a nonsense engine or attempt count is refused', async () => {
    let e = await codeOf(() => createCurator({ store: 'sqlite::memory:', jobs: { engine: 'worker' } }));
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.equal(e.field, 'jobs.engine');
    assert.match(e.message, /sqlite::memory:/);
    e = await codeOf(() => createCurator({ store: 'sqlite::memory:', jobs: { engine: 'threads' as never } }));
    assert.equal(e.field, 'jobs.engine');
    e = await codeOf(() => createCurator({ store: `sqlite:${join(dir, 'bad.db')}`, jobs: { maxAttempts: 0 } }));
    assert.equal(e.field, 'maxAttempts');
  });

  it('sqlite::memory: builds in process by default', async () => {
    const curator = await createCurator({ store: 'sqlite::memory:' });
    try {
      await curator.addUser('ana');
      await curator.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 3 }, minLabels: { global: 20, user: 40, group: 40 } });
      await addLabelled(curator, emails(60), 'ana');
      const seen: unknown[] = [];
      const outcome = await curator.build('spam', { onProgress: (p) => seen.push(p) });
      assert.equal(outcome.status, 'built');
      assert.ok(seen.every((p) => !('jobId' in (p as object))), 'in-process progress comes straight from runBuild');
    } finally {
      await curator.close();
    }
  });
});
