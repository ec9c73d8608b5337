/*
 * The embedded job engine (worker threads over the jobs table) on PostgreSQL: createCurator with
 * a postgres:// URL builds on a worker thread that opens its own pool on the same schema; a
 * trigger's job row is created in the firing's transaction and then run there; a job a dead
 * process left running is retried by the next curator. Each file run works in its own schema.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import type { JobEvent, JobProgress } from '../../src/jobs/index.ts';
import { createCurator, type Curator } from '../../src/lifecycle/index.ts';
import { GLOBAL } from '../../src/store/index.ts';
import { addLabelled, emails, QUICK } from '../lifecycle/helpers.ts';
import { dropSchema, pgFail, pgSkip, privateSchema } from '../helpers/postgres.ts';

const { schema, url } = privateSchema('curator_jobs');

/** The pid of a process that has ended, so a job holder naming it counts as gone. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('worker-thread job engine on PostgreSQL', { timeout: 180_000, ...(pgSkip === undefined ? {} : { skip: pgSkip }) }, () => {
  if (pgFail !== undefined) {
    it('PostgreSQL is reachable', () => assert.fail(pgFail));
    return;
  }
  let curator: Curator;
  const first = emails(120);

  before(async () => {
    curator = await createCurator({ store: url, predictionLog: { flushIntervalMs: 20 }, triggers: { scheduleCheckMs: 0 } });
    await curator.addUser('ana');
    await curator.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 3 }, minLabels: { global: 20, user: 500, group: 500 }, triggers: [{ kind: 'manual' }] });
    await addLabelled(curator, first, 'ana');
  });

  after(async () => {
    await curator?.close();
    await dropSchema(schema);
  });

  it('a postgres:// URL gets the worker engine; a build runs on a worker thread and is promoted', async () => {
    const events: JobEvent[] = [];
    const stop = curator.subscribeJobs((e) => events.push(e));
    assert.ok(stop !== undefined, 'a job engine with events, not the in-process runner');
    const seen: JobProgress[] = [];
    const outcome = await curator.build('spam', { reason: 'initial model', onProgress: (p) => seen.push(p as JobProgress) });
    stop();
    assert.deepEqual(events.filter((e) => e.jobId === outcome.jobId).map((e) => e.type).filter((t, i, a) => a[i - 1] !== t), ['queued', 'started', 'progress', 'succeeded']);
    assert.equal(outcome.status, 'built');
    if (outcome.status !== 'built') return;
    assert.equal(outcome.promoted, true);
    assert.equal(outcome.snapshot.size, 120);
    // "candidate j of m" and the attempt are added by the worker thread (build-worker.ts), not by an in-process build.
    const cv = seen.filter((p) => p.stage === 'cv');
    assert.deepEqual(cv.map((p) => [p.fold, p.candidateIndex]), [1, 2, 3].flatMap((f) => [[f, 1], [f, 2]]));
    assert.ok(seen.every((p) => p.jobId === outcome.jobId && p.attempt === 1));
    const job = await curator.store.jobs.get(outcome.jobId);
    assert.equal(job?.status, 'succeeded');
    assert.equal(job?.attempts, 1);
    assert.equal(job?.owner, null);
    assert.equal(job?.detail?.['stage'], 'promote', 'the worker wrote its progress to the row on PostgreSQL');
    assert.equal((await curator.registry.models.get(outcome.model.id)).status, 'active');
    const answer = await curator.predict('spam', first[0]!.text, { userId: 'ana' });
    assert.equal(answer.modelId, outcome.model.id);
    assert.deepEqual(answer.scope, GLOBAL);
  });

  it('"train now": the firing and its job row are written together, then the worker runs that job', async () => {
    await addLabelled(curator, emails(40, first), 'ana');
    const fired = await curator.trigger('spam', { actor: 'ana', reason: 'new campaign' });
    assert.equal(fired.status, 'started');
    assert.ok(fired.jobId !== null);
    const [event] = await curator.triggerEvents('spam');
    assert.equal(event?.jobId, fired.jobId);
    const outcome = await fired.outcome!;
    assert.equal(outcome.jobId, fired.jobId, 'the worker ran the job the firing created');
    assert.equal(outcome.status, 'built');
    const job = await curator.store.jobs.get(fired.jobId!);
    assert.equal(job?.status, 'succeeded');
    assert.equal((job?.params as { trigger?: string }).trigger, 'manual');
    if (outcome.status === 'built') assert.equal(outcome.snapshot.size, 160);
  });

  it('a job a dead process left running is retried by the next curator on the same schema', async () => {
    await addLabelled(curator, emails(30, emails(160)), 'ana');
    const dead = `${hostname()}:${deadPid()}:deadbeef`;
    const left = await curator.store.jobs.enqueue({ taskId: 'spam', scope: GLOBAL, params: { actor: 'ana', reason: 'before the crash' }, owner: dead, maxAttempts: 2 });
    assert.equal(await curator.store.jobs.claim(left.id, dead), 1, 'attempt 1 was running when its process died');

    const next = await createCurator({ store: url, triggers: { scheduleCheckMs: 0 } });
    try {
      assert.deepEqual(next.recovered.map((r) => [r.jobId, r.action]), [[left.id, 'retried']]);
      const outcome = await next.recovered[0]!.outcome!;
      assert.equal(outcome.status, 'built');
      const job = await next.store.jobs.get(left.id);
      assert.equal(job?.status, 'succeeded');
      assert.equal(job?.attempts, 2);
      assert.equal(job?.owner, null);
    } finally {
      await next.close();
    }
  });
});
