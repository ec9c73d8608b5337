import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { createCurator } from '../../src/lifecycle/index.ts';
import { loadModel } from '../../src/ml/persist/model-file.ts';
import { GLOBAL } from '../../src/store/index.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'curator-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs crash-child.ts, SIGKILLs it when it says so, and resolves to the job id it named. */
function runAndKill(mode: 'build' | 'register', file: string, maxAttempts = 2): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, file, String(maxAttempts)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let jobId: number | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /KILL (\d+)/.exec(out);
      if (m !== null && jobId === undefined) {
        jobId = Number(m[1]);
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && jobId !== undefined) resolve(jobId);
      else reject(new Error(`crash-child ${mode} ended by itself (code ${code}, signal ${signal}) before it could be killed:\n${err}`));
    });
  });
}

/** What the file holds, read with a plain connection (no migration, no recovery). */
function inspect(file: string): { jobs: { id: number; status: string; attempts: number }[]; models: number; blobs: number; evaluations: number; orphanBlobs: number; modelsWithoutEvaluations: number } {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const n = (q: string): number => (db.prepare(q).get() as { n: number }).n;
    return {
      jobs: db.prepare('select id, status, attempts from jobs order by id').all() as { id: number; status: string; attempts: number }[],
      models: n('select count(*) n from models'),
      blobs: n('select count(*) n from model_blobs'),
      evaluations: n('select count(*) n from evaluations'),
      orphanBlobs: n('select count(*) n from model_blobs b where not exists (select 1 from models m where m.id = b.model_id)'),
      modelsWithoutEvaluations: n('select count(*) n from models m where not exists (select 1 from evaluations e where e.model_id = m.id) or not exists (select 1 from model_blobs b where b.model_id = m.id)'),
    };
  } finally {
    db.close();
  }
}

describe('a process killed mid-build (SIGKILL, SQLite file, worker-thread jobs)', { timeout: 180_000 }, () => {
  it('leaves no model, and the next curator on the file retries the job to success', async () => {
    const file = join(dir, 'retry.db');
    const jobId = await runAndKill('build', file, 2);
    const before = inspect(file);
    assert.deepEqual(before.jobs, [{ id: jobId, status: 'running', attempts: 1 }], 'killed during attempt 1 of the job');
    assert.equal(before.models, 0, 'no model row');
    assert.equal(before.blobs, 0, 'no blob');
    assert.equal(before.evaluations, 0, 'no evaluation');

    const curator = await createCurator({ store: `sqlite:${file}` });
    try {
      assert.equal(curator.recovered.length, 1);
      const [r] = curator.recovered;
      assert.equal(r!.jobId, jobId);
      assert.equal(r!.action, 'retried');
      assert.equal(r!.request.reason, 'initial model', 'the request is rebuilt from the job row');
      const joined = await curator.build('spam');
      assert.equal(joined.jobId, jobId, 'build() joins the recovered build of the same task and scope');
      assert.equal(joined.status, 'built');
      if (joined.status !== 'built') return;
      assert.equal(joined.promoted, true);
      const job = await curator.store.activity.getJob(jobId);
      assert.equal(job?.status, 'succeeded');
      assert.equal(job?.attempts, 2);
      const active = await curator.registry.promotions.activeAt('spam', GLOBAL);
      assert.equal(active?.id, joined.model.id);
      const { bytes } = await curator.registry.models.load(active!.id);
      assert.equal(loadModel(bytes, { expect: 'Pipeline' }).classes.length, 2, 'the registered model loads and predicts two classes');
      assert.equal((await curator.predict('spam', 'FREE money, click now')).modelId, active!.id);
    } finally {
      await curator.close();
    }
    const end = inspect(file);
    assert.equal(end.models, 1);
    assert.equal(end.modelsWithoutEvaluations, 0);
    assert.equal(end.orphanBlobs, 0);
  });

  it('with no attempt left, the next curator marks the job failed with its error and builds nothing', async () => {
    const file = join(dir, 'fail.db');
    const jobId = await runAndKill('build', file, 1);
    assert.deepEqual(inspect(file).jobs, [{ id: jobId, status: 'running', attempts: 1 }]);

    const curator = await createCurator({ store: `sqlite:${file}` });
    try {
      assert.equal(curator.recovered.length, 1);
      assert.equal(curator.recovered[0]!.action, 'failed');
      const job = await curator.store.activity.getJob(jobId);
      assert.equal(job?.status, 'failed');
      assert.equal(job?.attempts, 1);
      assert.match(job?.error ?? '', /stopped during attempt 1 of 1; no attempt left/);
      assert.ok(job?.finishedAt instanceof Date);
      assert.equal(await curator.registry.promotions.activeAt('spam', GLOBAL), null);
    } finally {
      await curator.close();
    }
    const again = await createCurator({ store: `sqlite:${file}` });
    assert.equal(again.recovered.length, 0, 'a failed job is not looked at again');
    await again.close();
    assert.equal(inspect(file).models, 0);
  });

  it('killed inside the registration transaction (after the blob was written) leaves no model, blob or evaluation', async () => {
    const file = join(dir, 'register.db');
    await runAndKill('register', file);
    const s = inspect(file);
    assert.equal(s.models, 0);
    assert.equal(s.blobs, 0);
    assert.equal(s.evaluations, 0);
  });
});
