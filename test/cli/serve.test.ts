import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { cli, firstLine, start, tempDb } from './helpers.ts';

/** Sends SIGTERM and answers the exit code (a clean stop is 0). */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

describe('curator serve', () => {
  const t = tempDb();
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) await stop(c);
    t.done();
  });

  it('listens on a free port, answers /healthz and stops cleanly on SIGTERM', async () => {
    const child = start(['serve', '--port', '0', '--json', '--db', t.db]);
    children.push(child);
    const info = JSON.parse(await firstLine(child, 60_000)) as { url: string; adminToken: string | null; hint: string | null };
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.adminToken, null);
    assert.match(info.hint ?? '', /no users yet; make an admin with: npx curator users add admin/);
    const res = await fetch(`${info.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
    assert.equal((await fetch(`${info.url}/v1/me`)).status, 401);
    assert.equal(await stop(child), 0);
  });

  it('--demo stopped during its initial build resumes on the next start: the build is retried, then the admin token is printed', { timeout: 240_000 }, async () => {
    const demo = tempDb();
    try {
      const first = start(['serve', '--demo', '--demo-subset', '300', '--port', '0', '--json', '--db', demo.db]);
      children.push(first);
      await new Promise<void>((resolve, reject) => {
        let err = '';
        first.stderr!.on('data', (b: Buffer) => {
          err += b.toString();
          if (/fold \d+\/12/.test(err)) resolve(); // cross-validation has begun
        });
        first.once('exit', (code) => reject(new Error(`exited (${code}) before the build began: ${err}`)));
      });
      first.kill('SIGKILL'); // as a crash or a closed terminal would
      await once(first, 'exit');

      const second = start(['serve', '--demo', '--port', '0', '--json', '--db', demo.db]);
      children.push(second);
      const info = JSON.parse(await firstLine(second, 200_000)) as { url: string; adminToken: string | null };
      assert.match(info.adminToken ?? '', /^cur_/, 'the admin was not created before the build, so the restart creates it');
      const jobs = (await (await fetch(`${info.url}/v1/jobs`, { headers: { authorization: `Bearer ${info.adminToken}` } })).json()) as { items: { status: string; attempts: number }[] };
      assert.deepEqual(jobs.items.map((j) => [j.status, j.attempts]), [['succeeded', 2]], 'one job, retried once, no second build');
      assert.equal(await stop(second), 0);
    } finally {
      demo.done();
    }
  });

  it('a port in use is a conflict (exit 4) naming --port', async () => {
    const taken = createTcpServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const r = await cli(['serve', '--port', String(port), '--db', t.db]);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, new RegExp(`CONFLICT \\(port\\): port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --port`));
    } finally {
      taken.close();
    }
  });

  it('--demo on an empty database loads the demo, builds, prints an admin token once; a restart keeps everything', { timeout: 240_000 }, async () => {
    const demo = tempDb();
    try {
      const first = start(['serve', '--demo', '--demo-subset', '60', '--port', '0', '--json', '--db', demo.db]);
      children.push(first);
      const a = JSON.parse(await firstLine(first, 200_000)) as { url: string; adminToken: string | null };
      assert.match(a.adminToken ?? '', /^cur_/);
      const auth = { authorization: `Bearer ${a.adminToken}` };
      const me = await fetch(`${a.url}/v1/me`, { headers: auth });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { role: string }).role, 'admin');
      const models = (await (await fetch(`${a.url}/v1/models?task=spam&status=active`, { headers: auth })).json()) as { items: { id: number }[] };
      assert.equal(models.items.length, 1);
      const predict = await fetch(`${a.url}/v1/tasks/spam/predict`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hello' }) });
      assert.equal(predict.status, 200);
      assert.equal(await stop(first), 0);

      const second = start(['serve', '--demo', '--port', '0', '--json', '--db', demo.db]);
      children.push(second);
      const b = JSON.parse(await firstLine(second, 60_000)) as { url: string; adminToken: string | null; hint: string | null };
      assert.equal(b.adminToken, null, 'no second token: the first is only stored hashed');
      assert.match(b.hint ?? '', /curator tokens add admin --role admin/);
      const again = (await (await fetch(`${b.url}/v1/models?task=spam&status=active`, { headers: auth })).json()) as { items: { id: number }[] };
      assert.deepEqual(again.items.map((m) => m.id), models.items.map((m) => m.id), 'the first token and model survive the restart');
      assert.equal(await stop(second), 0);
    } finally {
      demo.done();
    }
  });
});
