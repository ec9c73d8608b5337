/*
 * A poison sub-job that kills every worker taking it: each death leaves the job locked until
 * its lock expires, another worker takes it over, and after maxStalledCount take-overs (2) it
 * fails, and with it the build, whose row says why. Worker processes die by SIGKILL (fault
 * injection in worker-child.ts); new ones keep arriving, as a supervisor would restart them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BullmqJobEngine } from '../../src/jobs/bullmq-job-engine.ts';
import { GLOBAL, openStore, type Store } from '../../src/store/index.ts';
import { startWorkerProcess, type Child } from './cluster.ts';
import { IN_CI, REDIS_URL, scaleEnv, scaleProblem, seedTask, type ScaleEnv } from './helpers.ts';

const problem = await scaleProblem();

describe('a sub-job that kills its workers [postgresql + redis]', { skip: problem !== undefined && !IN_CI ? problem : false }, () => {
  if (problem !== undefined) {
    it('PostgreSQL and Redis are reachable', () => assert.fail(`${problem}; CI is set, so the scale tests fail instead of skipping`));
    return;
  }
  let env: ScaleEnv;
  let store: Store;
  const children: Child[] = [];
  before(async () => {
    env = await scaleEnv('crash');
    store = await openStore(env.dbUrl);
    await seedTask(store, 'spam', 80, 2);
  });
  after(async () => {
    await Promise.allSettled(children.map((c) => c.stop()));
    await store?.close();
    await env?.dispose();
  });

  it('fails after maxStalledCount take-overs, and the build with it', async () => {
    const engine = new BullmqJobEngine({ store, redis: REDIS_URL, queue: env.queue, prefix: env.prefix });
    let running = true;
    let diedStarting = 0;
    // Keep two crashing workers alive: each dies on taking a cv job (some before they say they are ready).
    const supervise = (async () => {
      let n = 0;
      while (running) {
        const alive = children.filter((c) => c.exited === null);
        if (alive.length >= 2) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        try {
          children.push(await startWorkerProcess(env, `crasher ${++n}`, 1500, { CURATOR_TEST_CRASH_STAGE: 'cv' }));
        } catch {
          diedStarting++;
        }
      }
    })();
    try {
      const { jobId, outcome } = await engine.submit({ taskId: 'spam', scope: GLOBAL, actor: 'ana', reason: 'poison' });
      await assert.rejects(outcome, /stalled more than allowable limit/);
      const row = await store.jobs.get(jobId);
      assert.equal(row?.status, 'failed');
      assert.match(row?.error ?? '', /stalled more than allowable limit/);
      const deaths = diedStarting + children.filter((c) => c.exited !== null).length;
      assert.ok(deaths >= 3, `the first worker and two take-overs died (${deaths} deaths)`);
    } finally {
      running = false;
      await supervise;
      await engine.close();
    }
  });
});
