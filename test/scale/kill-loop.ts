/*
 * The kill test, repeated: `npx tsx test/scale/kill-loop.ts [runs=5]`. Three worker processes
 * and an API server; each run adds labelled emails, starts a build, SIGKILLs the worker that
 * starts its first cv sub-job, and checks the build succeeds with exactly one model and the
 * killed sub-job was taken over. Prints a table; exits 1 on any failure or duplicate.
 */
import { issueToken } from '../../src/server/index.ts';
import { openStore } from '../../src/store/index.ts';
import { emails } from '../lifecycle/helpers.ts';
import { startServerProcess, startWorkerProcess, type Child } from './cluster.ts';
import { addLabelled, FOUR, scaleEnv, scaleProblem, seedTask } from './helpers.ts';
import { buildWithKill } from './kill-scenario.ts';

const runs = Number(process.argv[2] ?? 5);
const problem = await scaleProblem();
if (problem !== undefined) {
  console.error(`kill loop: ${problem}`);
  process.exit(2);
}
const env = await scaleEnv('kill');
const store = await openStore(env.dbUrl);
let workers: Child[] = [];
let server: { child: Child; base: string } | undefined;
let bad = 0;
try {
  await seedTask(store, 'spam', 300, 4, FOUR, { promotion: { margin: 1 } });
  const token = (await issueToken(store, { userId: 'ana', role: 'admin' })).token;
  workers = await Promise.all([1, 2, 3].map((i) => startWorkerProcess(env, `worker ${i}`)));
  server = await startServerProcess(env, 'server');
  const seen = emails(300);
  console.log('run  job  status     models  killed(sub-job)  taken over by  wall ms');
  for (let run = 1; run <= runs; run++) {
    const more = emails(30 * run + 300).filter((m) => !seen.some((s) => s.key === m.key)).slice(0, 30);
    seen.push(...more);
    await addLabelled(store, 'spam', more);
    const r = await buildWithKill({ base: server.base, token, taskId: 'spam', workers, store });
    const ok = r.status === 'succeeded' && r.models === 1 && r.takenOverBy !== undefined;
    if (!ok) bad++;
    console.log(`${String(run).padEnd(4)} ${String(r.jobId).padEnd(4)} ${r.status.padEnd(10)} ${String(r.models).padEnd(7)} ${`${r.killed.pid}(${r.subJob})`.padEnd(16)} ${String(r.takenOverBy?.pid ?? '-').padEnd(14)} ${r.wallMs}${ok ? '' : `  ← ${r.error ?? 'not taken over / duplicate'}`}`);
    workers = [...workers.filter((w) => w !== r.killed), await startWorkerProcess(env, `worker ${run + 3}`)];
  }
  console.log(`${runs} runs: ${bad} with a failure, a duplicate model or no takeover`);
} finally {
  await Promise.allSettled([...workers, ...(server ? [server.child] : [])].map((c) => c.stop()));
  await store.close();
  await env.dispose();
}
process.exit(bad === 0 ? 0 : 1);
