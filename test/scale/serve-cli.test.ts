/*
 * `curator serve --queue redis://… --db postgres://…` (a scaled-out API server from the CLI):
 * "train now" through its HTTP API is run by a `curator worker --queue` process, and the model
 * it promotes answers predictions on that server. A SQLite --db is refused naming --queue.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store } from '../../src/store/index.ts';
import { cli, start } from '../cli/helpers.ts';
import { IN_CI, REDIS_URL, scaleEnv, scaleProblem, seedTask, until, type ScaleEnv } from './helpers.ts';

const problem = await scaleProblem();
const TOKEN = 'serve-queue-admin-token-0123456789';

describe('curator serve --queue [postgresql + redis]', { skip: problem !== undefined && !IN_CI ? problem : false }, () => {
  if (problem !== undefined) {
    it('PostgreSQL and Redis are reachable', () => assert.fail(`${problem}; CI is set, so the scale tests fail instead of skipping`));
    return;
  }
  let env: ScaleEnv;
  let store: Store;
  const children: ChildProcess[] = [];
  before(async () => {
    env = await scaleEnv('serve');
    store = await openStore(env.dbUrl);
    await seedTask(store, 'spam', 120, 2);
    await store.corpus.createUser('admin');
    await store.corpus.createToken({ userId: 'admin', token: TOKEN, role: 'admin' });
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await store?.close();
    await env?.dispose();
  });

  it('train now through the server is built by a worker process, then served', async () => {
    const queueEnv = { CURATOR_QUEUE_NAME: env.queue, CURATOR_QUEUE_PREFIX: env.prefix };
    const worker = start(['worker', '--queue', REDIS_URL, '--db', env.dbUrl], queueEnv);
    const server = start(['serve', '--queue', REDIS_URL, '--db', env.dbUrl, '--port', '0', '--json', '--no-dashboard', '--rate-limit', '0'], queueEnv);
    children.push(worker, server);
    let workerOut = '';
    worker.stdout!.on('data', (d: Buffer) => (workerOut += d.toString('utf8')));
    let out = '';
    let err = '';
    server.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    server.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    await until('the server to listen', () => out.includes('"url"'), 60_000);
    const { url } = JSON.parse(out.trim().split('\n')[0]!) as { url: string };
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

    const started = await fetch(`${url}/v1/tasks/spam/builds`, { method: 'POST', headers, body: JSON.stringify({ reason: 'serve --queue test' }) });
    assert.equal(started.status, 202, await started.clone().text());
    const { jobId } = (await started.json()) as { jobId: number };
    let job: { status: string; error?: unknown } = { status: 'queued' };
    await until('the worker to finish the build', async () => {
      job = (await (await fetch(`${url}/v1/jobs/${jobId}`, { headers })).json()) as typeof job;
      return job.status === 'succeeded' || job.status === 'failed';
    }, 120_000);
    assert.equal(job.status, 'succeeded', JSON.stringify(job));
    assert.match(workerOut, /fan-in/, 'the worker process ran the build (its fan-in), not a thread of the server');

    const answer = await fetch(`${url}/v1/tasks/spam/predict`, { method: 'POST', headers, body: JSON.stringify({ text: 'win cash now, free prize' }) });
    assert.equal(answer.status, 200, `${await answer.clone().text()}\n${err}`);
    const body = (await answer.json()) as { label: string; scope: { kind: string } };
    assert.ok(['ham', 'spam'].includes(body.label));
    assert.equal(body.scope.kind, 'global');
  });

  it('refuses --queue with a SQLite database (exit 2, naming --queue)', async () => {
    const r = await cli(['serve', '--queue', REDIS_URL, '--db', 'sqlite::memory:', '--port', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /INVALID_ARGUMENT \(queue\).*PostgreSQL/);
  });
});
