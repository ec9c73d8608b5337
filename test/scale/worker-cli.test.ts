/*
 * `curator worker --queue redis://… --db postgres://…` (the CLI's distributed mode) takes a
 * build's jobs and stops cleanly on SIGTERM; a SQLite --db is refused naming --queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BullmqJobEngine } from '../../src/jobs/bullmq-job-engine.ts';
import { GLOBAL, openStore, type Store } from '../../src/store/index.ts';
import { cli, start } from '../cli/helpers.ts';
import { IN_CI, REDIS_URL, scaleEnv, scaleProblem, seedTask, until, type ScaleEnv } from './helpers.ts';

const problem = await scaleProblem();

describe('curator worker --queue [postgresql + redis]', { skip: problem !== undefined && !IN_CI ? problem : false }, () => {
  if (problem !== undefined) {
    it('PostgreSQL and Redis are reachable', () => assert.fail(`${problem}; CI is set, so the scale tests fail instead of skipping`));
    return;
  }
  let env: ScaleEnv;
  let store: Store;
  before(async () => {
    env = await scaleEnv('cli');
    store = await openStore(env.dbUrl);
    await seedTask(store, 'spam', 120, 2);
  });
  after(async () => {
    await store?.close();
    await env?.dispose();
  });

  it('runs a build from the queues and stops on SIGTERM with exit 0', async () => {
    const child = start(['worker', '--queue', REDIS_URL, '--db', env.dbUrl, '--json'], { CURATOR_QUEUE_NAME: env.queue, CURATOR_QUEUE_PREFIX: env.prefix });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const engine = new BullmqJobEngine({ store, redis: REDIS_URL, queue: env.queue, prefix: env.prefix });
    try {
      await until('the worker to take builds', () => /taking builds from/.test(out), 30_000);
      const { outcome } = await engine.submit({ taskId: 'spam', scope: GLOBAL, actor: 'ana', reason: 'cli worker' });
      const o = await outcome;
      assert.equal(o.status, 'built');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, err);
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; line: string });
      assert.ok(lines.some((l) => /fan-in/.test(l.line)), 'the worker ran the fan-in');
      assert.equal(lines.at(-1)!.line, 'stopped');
    } finally {
      child.kill('SIGKILL');
      await engine.close();
    }
  });

  it('refuses --queue with a SQLite database (exit 2, naming --queue)', async () => {
    const r = await cli(['worker', '--queue', REDIS_URL, '--db', 'sqlite::memory:']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /INVALID_ARGUMENT \(queue\).*PostgreSQL/);
  });
});
