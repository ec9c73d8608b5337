/*
 * The distributed engine in one process against the real PostgreSQL and Redis: a build fans
 * out and back in; progress; a poison sub-job fails its build after N attempts with backoff; a
 * deleted snapshot fails with a coded error; two fan-ins at once register one model; a worker
 * that cannot reach Redis retries and says why. (Several processes and a SIGKILL: scale-out.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { BullmqJobEngine } from '../../src/jobs/bullmq-job-engine.ts';
import { BullmqWorker, type BullmqWorkerOptions } from '../../src/jobs/bullmq-worker.ts';
import { finishBuild, planBuild, PreparedCache, runCells } from '../../src/jobs/bullmq-build-stages.ts';
import { runWorker } from '../../src/jobs/worker-process.ts';
import type { JobEvent } from '../../src/jobs/job-engine.ts';
import { CuratorError } from '../../src/ml/errors.ts';
import { confusionOf } from '../../src/registry/confusion.ts';
import { GLOBAL, openStore, type Store } from '../../src/store/index.ts';
import { IN_CI, REDIS_URL, scaleEnv, scaleProblem, seedTask, until, type ScaleEnv } from './helpers.ts';

const problem = await scaleProblem();

describe('BullMQ job engine [postgresql + redis]', { skip: problem !== undefined && !IN_CI ? problem : false }, () => {
  if (problem !== undefined) {
    it('PostgreSQL and Redis are reachable', () => assert.fail(`${problem}; CI is set, so the scale tests fail instead of skipping`));
    return;
  }
  let env: ScaleEnv;
  let store: Store;
  const q = (): { redis: string; queue: string; prefix: string } => ({ redis: REDIS_URL, queue: env.queue, prefix: env.prefix });
  const workers: BullmqWorker[] = [];
  const startWorker = async (extra: Partial<BullmqWorkerOptions> = {}): Promise<BullmqWorker> => {
    const w = new BullmqWorker({ ...q(), store, lockDurationMs: 5000, stalledIntervalMs: 1000, ...extra });
    await w.start();
    workers.push(w);
    return w;
  };

  before(async () => {
    env = await scaleEnv('eng');
    store = await openStore(env.dbUrl);
    await seedTask(store, 'spam', 240, 3);
  });
  after(async () => {
    await Promise.allSettled(workers.map((w) => w.close()));
    await store?.close();
    await env?.dispose();
  });

  it('fans a build out per fold and back in: one model, promoted, progress up to every (candidate, fold)', async () => {
    const worker = await startWorker();
    const engine = new BullmqJobEngine({ ...q(), store });
    const observer = new BullmqJobEngine({ ...q(), store }); // another API server
    const events: JobEvent[] = [];
    const seen: JobEvent[] = [];
    engine.subscribe((e) => events.push(e));
    observer.subscribe((e) => seen.push(e));
    try {
      const progress: number[] = [];
      const { jobId, outcome } = await engine.submit({ taskId: 'spam', scope: GLOBAL, actor: 'ana', reason: 'first' }, { onProgress: (p) => p.stage === 'cv' && progress.push(p.done) });
      const o = await outcome;
      assert.equal(o.status, 'built');
      if (o.status !== 'built') return;
      assert.equal(o.promoted, true);
      assert.equal(o.folds, 3);
      assert.deepEqual(o.candidates.map((c) => c.name).sort(), ['nb', 'svm']);
      assert.equal(o.model.jobId, jobId);
      assert.equal(o.model.status, 'active');
      assert.equal(Math.max(...progress), 6, `cv progress reaches 2 candidates × 3 folds: ${progress.join(',')}`);
      const row = await store.jobs.get(jobId);
      assert.equal(row?.status, 'succeeded');
      assert.equal(row?.snapshotId, o.snapshot.id);
      assert.deepEqual(events.filter((e) => e.jobId === jobId && e.type !== 'progress').map((e) => e.type), ['queued', 'started', 'succeeded']);
      const models = (await store.models.listAll({ taskId: 'spam' })).filter((m) => m.jobId === jobId);
      assert.equal(models.length, 1);
      const evals = await store.models.evaluations(o.model.id);
      assert.deepEqual(evals.find((e) => e.metric === 'f1_macro')?.foldValues.length, 3, 'per-fold evaluations of the winner');
      // The cells carried their folds' confusion counts: the out-of-fold matrix covers the snapshot once.
      const cv = confusionOf(evals, 'cv');
      assert.equal(cv?.matrix.flat().reduce((a, b) => a + b, 0), o.snapshot.size, 'out-of-fold confusion matrix of the fanned-out folds');
      assert.ok(confusionOf(evals, 'full') !== null, 'full-dataset confusion matrix');
      const theirs = seen.filter((e) => e.type === 'progress' && e.jobId === jobId);
      assert.ok(theirs.length > 0 && theirs.every((e) => e.taskId === 'spam' && e.scope.kind === 'global'), 'another server sees the progress too');
    } finally {
      await observer.close();
      await engine.close();
      await worker.close();
    }
  });

  it('per (candidate × fold) cells find the same winner as per fold (the second build is skipped as identical)', async () => {
    await seedTask(store, 'cells', 200, 3);
    const worker = await startWorker();
    const byFold = new BullmqJobEngine({ ...q(), store, granularity: 'fold' });
    const byCell = new BullmqJobEngine({ ...q(), store, granularity: 'cell' });
    try {
      const a = await (await byFold.submit({ taskId: 'cells', scope: GLOBAL, actor: 'ana', reason: 'fold' })).outcome;
      // Same snapshot, same winner → the second build's model file equals the first's.
      const b = await (await byCell.submit({ taskId: 'cells', scope: GLOBAL, actor: 'ana', reason: 'cell' })).outcome;
      assert.equal(a.status, 'built');
      assert.equal(b.status, 'skipped');
      if (a.status !== 'built' || b.status !== 'skipped') return;
      assert.match(b.reason, /identical to model #\d+/);
    } finally {
      await byFold.close();
      await byCell.close();
      await worker.close();
    }
  });

  it('an engine closing mid-build rejects the handle; the build runs on, and another engine recovers and follows it', async () => {
    await seedTask(store, 'closing', 120, 2);
    const first = new BullmqJobEngine({ ...q(), store });
    const { jobId, outcome } = await first.submit({ taskId: 'closing', scope: GLOBAL, actor: 'ana', reason: 'closing' });
    await first.close();
    await assert.rejects(outcome, (e: unknown) => e instanceof CuratorError && e.code === 'INVALID_STATE' && e.message.includes(`job #${jobId}`));
    assert.equal((await store.jobs.get(jobId))?.status, 'queued', 'nothing ran it yet (no worker)');
    const second = new BullmqJobEngine({ ...q(), store });
    try {
      const found = await second.recover();
      const mine = found.find((r) => r.jobId === jobId);
      assert.equal(mine?.action, 'retried');
      const worker = await startWorker();
      const o = await mine!.outcome!;
      assert.equal(o.status, 'built');
      await worker.close();
    } finally {
      await second.close();
    }
  });

  it('a poison sub-job is retried with exponential backoff, then fails its build after N attempts', async () => {
    await seedTask(store, 'poison', 120, 2);
    const starts = new Map<string, number[]>();
    const worker = await startWorker({
      beforeJob: (stage, job) => {
        if (stage === 'cv' && job.data.plan.request.taskId === 'poison') {
          starts.set(job.id!, [...(starts.get(job.id!) ?? []), Date.now()]);
          throw new Error('connection reset by the poison');
        }
      },
    });
    const engine = new BullmqJobEngine({ ...q(), store, attempts: 3, backoffMs: 200 });
    const retries: JobEvent[] = [];
    engine.subscribe((e) => e.type === 'retrying' && retries.push(e));
    try {
      const { jobId, outcome } = await engine.submit({ taskId: 'poison', scope: GLOBAL, actor: 'ana', reason: 'poison' });
      await assert.rejects(outcome, /connection reset by the poison.*attempt 3 of 3/);
      const row = await store.jobs.get(jobId);
      assert.equal(row?.status, 'failed');
      assert.match(row?.error ?? '', /attempt 3 of 3/);
      assert.equal(row?.attempts, 3, 'the row counts the attempts of its stages');
      // Two sub-jobs (2 folds), three attempts each, the waits doubling: 200 ms then 400 ms.
      assert.equal(starts.size, 2);
      for (const [id, t] of starts) {
        assert.equal(t.length, 3, `${id}: three attempts`);
        assert.ok(t[1]! - t[0]! >= 190 && t[2]! - t[1]! >= 390, `${id}: backoff doubles (${t[1]! - t[0]!} ms, ${t[2]! - t[1]!} ms)`);
      }
      assert.equal((await store.models.listAll({ taskId: 'poison' })).length, 0);
      assert.deepEqual([...new Set(retries.map((e) => (e.type === 'retrying' ? e.attempt : 0)))].sort(), [2, 3], 'retrying events name the next attempt');
    } finally {
      await engine.close();
      await worker.close();
    }
  });

  it('a build whose snapshot was deleted while queued fails with NOT_FOUND on snapshotId, without retries', async () => {
    await seedTask(store, 'gone', 120, 2);
    const planner = await startWorker({ stages: ['plan'] });
    const engine = new BullmqJobEngine({ ...q(), store, attempts: 3, backoffMs: 100 });
    try {
      const { jobId, outcome } = await engine.submit({ taskId: 'gone', scope: GLOBAL, actor: 'ana', reason: 'gone' });
      const snapshotId = await until('the plan to freeze a snapshot', async () => (await store.jobs.get(jobId))?.detail?.['stage'] === 'cv' && (await store.jobs.get(jobId))!.snapshotId);
      await planner.close();
      const admin = new pg.Client({ connectionString: env.dbUrl.replace(/\?.*$/, '') });
      await admin.connect();
      try {
        await admin.query(`set search_path to "${env.schema}"`);
        await admin.query('update jobs set snapshot_id = null where snapshot_id = $1', [snapshotId]);
        await admin.query('delete from snapshot_items where snapshot_id = $1', [snapshotId]);
        await admin.query('delete from snapshots where id = $1', [snapshotId]);
      } finally {
        await admin.end();
      }
      let cvRuns = 0;
      await startWorker({ stages: ['cv', 'fanin'], beforeJob: () => void cvRuns++ });
      const error = await outcome.then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof CuratorError, `a CuratorError, got ${String(error)}`);
      assert.equal(error.code, 'NOT_FOUND');
      assert.equal(error.field, 'snapshotId');
      assert.match(error.message, /snapshot #\d+ no longer exists/);
      assert.equal((await store.jobs.get(jobId))?.status, 'failed');
      assert.ok(cvRuns <= 2, `no retries of a permanent error (${cvRuns} runs for 2 sub-jobs)`);
    } finally {
      await engine.close();
    }
  });

  it('two fan-ins of one build at once register one model (unique build/candidate key) and both report it', async () => {
    await seedTask(store, 'twice', 150, 2);
    const job = await store.jobs.enqueue({ taskId: 'twice', scope: GLOBAL, owner: 'test', maxAttempts: 1 });
    const plan = await planBuild(store, job.id, { taskId: 'twice', scope: GLOBAL, actor: 'ana', reason: 'twice' }, 1, 'fold');
    assert.equal(plan.kind, 'planned');
    if (plan.kind !== 'planned') return;
    const cache = new PreparedCache();
    const cells = (await Promise.all(plan.cells.map((c) => runCells(store, cache, plan.plan, c, () => {})))).flatMap((r) => r.scores);
    const other = await openStore(env.dbUrl);
    try {
      const [a, b] = await Promise.all([
        finishBuild(store, new PreparedCache(), plan.plan, cells, () => {}),
        finishBuild(other, new PreparedCache(), plan.plan, cells, () => {}),
      ]);
      assert.equal(a.result.modelId, b.result.modelId);
      assert.ok(a.result.resumed !== b.result.resumed, 'one registered, the other carried on with its model');
      const models = (await store.models.listAll({ taskId: 'twice' })).filter((m) => m.jobId === job.id);
      assert.equal(models.length, 1);
      assert.equal(models[0]!.status, 'active');
      // A third run after both: still one model, still active.
      const c = await finishBuild(store, new PreparedCache(), plan.plan, cells, () => {});
      assert.equal(c.result.modelId, a.result.modelId);
      assert.equal((await store.models.listAll({ taskId: 'twice' })).length, 1);
    } finally {
      await other.close();
    }
  });

  it('the build key (migration 0006) refuses a second model of one candidate in one build, even with other bytes', async () => {
    const { Registry } = await import('../../src/registry/index.ts');
    await seedTask(store, 'key', 40, 2);
    const job = await store.jobs.enqueue({ taskId: 'key', scope: GLOBAL, owner: 'test', maxAttempts: 1 });
    const registry = new Registry(store);
    const input = {
      taskId: 'key', estimator: 'MultinomialNB', hyperparameters: { candidate: 'nb', clf: { alpha: 1 } }, buildTimeMs: 1, score: 0.9, scoreMetric: 'f1_macro',
      formatVersion: 1, evaluations: [], jobId: job.id,
    };
    await registry.models.register({ ...input, blob: new Uint8Array([1, 2, 3]) });
    await assert.rejects(registry.models.register({ ...input, blob: new Uint8Array([4, 5, 6]) }), (e: unknown) => e instanceof CuratorError && e.code === 'ALREADY_EXISTS');
    await registry.models.register({ ...input, hyperparameters: { candidate: 'svm', clf: { C: 1 } }, blob: new Uint8Array([7, 8, 9]) });
    assert.equal((await store.models.listAll({ taskId: 'key' })).length, 2);
  });

  it('a worker that cannot reach Redis retries with backoff and logs why', async () => {
    const lines: string[] = [];
    const ac = new AbortController();
    const started = runWorker({ queue: 'redis://127.0.0.1:1', db: env.dbUrl, queueName: env.queue, prefix: env.prefix, maxBackoffMs: 100, signal: ac.signal, log: (l) => lines.push(l) });
    await until('three failed attempts', () => lines.filter((l) => /redis .* is unreachable/.test(l)).length >= 3, 10_000);
    ac.abort();
    await assert.rejects(started);
    assert.match(lines.find((l) => /unreachable/.test(l))!, /redis redis:\/\/127\.0\.0\.1:1 is unreachable \(.+\); attempt 1, retrying in \d+ ms/);
  });

  it('a worker that cannot reach the database retries with backoff and logs why, without the password', async () => {
    const lines: string[] = [];
    const ac = new AbortController();
    const started = runWorker({ queue: REDIS_URL, db: 'postgres://curator:secret@127.0.0.1:1/test', queueName: env.queue, prefix: env.prefix, maxBackoffMs: 100, signal: ac.signal, log: (l) => lines.push(l) });
    await until('two failed attempts', () => lines.filter((l) => /database .* is unreachable/.test(l)).length >= 2, 10_000);
    ac.abort();
    await assert.rejects(started);
    assert.match(lines[0]!, /database postgres:\/\/curator:…@127\.0\.0\.1:1\/test is unreachable \(.+\); attempt 1, retrying in 100 ms/);
    assert.ok(lines.every((l) => !l.includes('secret')), 'no password in the log');
  });

  it('rejects bad settings with a coded error naming the field', () => {
    assert.throws(() => new BullmqJobEngine({ store, redis: 'http://x' }), (e: unknown) => e instanceof CuratorError && e.code === 'INVALID_ARGUMENT' && e.field === 'queue');
    assert.throws(() => new BullmqJobEngine({ ...q(), store, attempts: 0 }), (e: unknown) => e instanceof CuratorError && e.field === 'attempts');
    assert.throws(() => new BullmqJobEngine({ ...q(), store, granularity: 'row' as never }), (e: unknown) => e instanceof CuratorError && e.field === 'granularity');
  });
});
