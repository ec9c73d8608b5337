import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSpamCorpus } from '../../src/demo/spam-corpus.ts';
import { createCurator } from '../../src/lifecycle/index.ts';
import { GLOBAL } from '../../src/store/index.ts';
import { issueToken } from '../../src/cli/issue-token.ts';
import { cli, firstLine, start, tempDb } from './helpers.ts';

/** A POST on a new connection each time, so the cluster's primary hands it to the next server process. */
function post(url: string, token: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.end(data);
  });
}

/** Pids of a process's children (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('curator serve --processes 2 (node:cluster on one SQLite file)', { timeout: 180_000 }, () => {
  const t = tempDb();
  let token = '';
  let ids: { active: number; other: number };
  let child: ChildProcess | undefined;
  let url = '';

  before(async () => {
    // Two models from two builds (the second on more emails); the second is made the active one.
    const curator = await createCurator({ store: t.db });
    try {
      await curator.addUser('ana');
      await curator.createTask({
        id: 'spam', labels: ['ham', 'spam'], cv: { folds: 3 },
        candidates: [{ name: 'svm', estimator: 'LinearSVC', params: { C: 1 } }],
        triggers: [{ kind: 'manual' }],
      });
      const corpus = loadSpamCorpus();
      const built: number[] = [];
      for (const part of [0, 1]) {
        const subset = Array.from({ length: 60 }, (_, i) => corpus[Math.floor(((2 * i + part) * corpus.length) / 120)]!);
        const docs = await curator.addDocuments('spam', subset.map((r) => ({ content: r.text })));
        await curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: subset[i]!.label })));
        const outcome = await curator.build('spam', { actor: 'ana', reason: `test model ${part}` });
        assert.equal(outcome.status, 'built');
        if (outcome.status === 'built') built.push(outcome.model.id);
      }
      // The policy may or may not have promoted the second: whichever serves, the test promotes the other.
      const activeId = (await curator.registry.promotions.activeAt('spam', GLOBAL))?.id;
      assert.ok(activeId !== undefined && built.includes(activeId));
      ids = { active: activeId, other: built.find((id) => id !== activeId)! };
      token = (await issueToken(curator.store, { userId: 'ana', role: 'admin' })).token;
    } finally {
      await curator.close();
    }
    child = start(['serve', '--processes', '2', '--port', '0', '--json', '--no-dashboard', '--db', t.db]);
    const info = JSON.parse(await firstLine(child, 60_000)) as { url: string; processes: number };
    url = info.url;
    assert.equal(info.processes, 2);
  });

  after(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      for (const pid of childrenOf(child.pid!)) process.kill(pid, 'SIGKILL');
    }
    t.done();
  });

  it('serves from two processes, and a promotion made through one reaches the model cache of the other', async () => {
    assert.equal(childrenOf(child!.pid!).length, 2, 'the primary runs two server processes');
    const modelsAnswering = async (): Promise<Set<unknown>> => {
      const seen = new Set<unknown>();
      for (let i = 0; i < 8; i++) {
        const r = await post(`${url}/v1/tasks/spam/predict`, token, { text: 'cheap meds, click now' });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        seen.add(r.json['modelId']);
      }
      return seen;
    };
    assert.deepEqual([...(await modelsAnswering())], [ids.active]);
    const promoted = await post(`${url}/v1/models/${ids.other}/promote`, token, { reason: 'test' });
    assert.equal(promoted.status, 200, JSON.stringify(promoted.json));
    // The change travels worker → primary → worker over IPC: give it a moment, then every process answers with the new model.
    let seen = new Set<unknown>();
    for (let attempt = 0; attempt < 20; attempt++) {
      seen = await modelsAnswering();
      if (seen.size === 1 && seen.has(ids.other)) break;
      await sleep(100);
    }
    assert.deepEqual([...seen], [ids.other]);
  });

  it('replaces a server process that dies', async () => {
    const [victim] = childrenOf(child!.pid!);
    process.kill(victim!, 'SIGKILL');
    let now: number[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      now = childrenOf(child!.pid!);
      if (now.length === 2 && !now.includes(victim!)) break;
      await sleep(200);
    }
    assert.equal(now.length, 2);
    assert.ok(!now.includes(victim!));
    // Both the survivor and the replacement answer (new connections alternate between them).
    for (let i = 0; i < 4; i++) assert.equal((await post(`${url}/v1/tasks/spam/predict`, token, { text: 'hello there' })).status, 200);
  });

  it('stops every process on SIGTERM, with exit code 0', async () => {
    const servers = childrenOf(child!.pid!);
    const exited = once(child!, 'exit');
    child!.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    for (const pid of servers) assert.throws(() => process.kill(pid, 0), 'server process is gone');
  });
});

it('refuses --processes 2 on an in-memory database (exit 2, naming --processes): each process would have its own', async () => {
  const r = await cli(['serve', '--processes', '2', '--port', '0', '--db', 'sqlite::memory:']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /INVALID_ARGUMENT \(processes\).*share one database/);
});
