/*
 * bench:scale — a distributed build with 1, 2 and 3 `curator worker` processes on this machine
 * (real PostgreSQL and Redis), against the same build in one process (runBuild), and the fan-out
 * granularities side by side; then where the time goes: snapshot/plan, loading and tokenizing,
 * cross-validation fits, fan-in (fit, evaluate, register), and coordination — per sub-job the
 * enqueue→start latency of a ready job on a free worker, and the hand-back of the last result
 * to the fan-in.
 *
 *   npm run bench:scale                                  # 1000 emails, 6 folds, 4 candidates
 *   npm run bench:scale -- --docs 2000 --folds 12 --workers 1,2,3 --granularities fold,candidate,cell
 */
import { Job, Queue } from 'bullmq';
import { cpus, loadavg } from 'node:os';
import { BullmqJobEngine } from '../src/jobs/bullmq-job-engine.ts';
import { bullJobId, stageQueue, resolveQueues, type Granularity } from '../src/jobs/bullmq-queues.ts';
import type { FanInJobResult } from '../src/jobs/bullmq-worker.ts';
import { runBuild } from '../src/lifecycle/build.ts';
import { GLOBAL, openStore, type Store } from '../src/store/index.ts';
import { startWorkerProcess, type Child } from '../test/scale/cluster.ts';
import { FOUR, REDIS_URL, scaleEnv, scaleProblem, seedTask, type ScaleEnv } from '../test/scale/helpers.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const DOCS = Number(arg('docs', '1000'));
const FOLDS = Number(arg('folds', '6'));
const WORKERS = arg('workers', '1,2,3').split(',').map(Number);
const GRANULARITIES = arg('granularities', 'fold,candidate,cell').split(',') as Granularity[];

const pct = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '-');
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');

interface Row {
  readonly label: string;
  readonly workers: number;
  readonly granularity: Granularity | '-';
  readonly wallMs: number;
  readonly subJobs: number;
  readonly planMs: number;
  readonly planWaitMs: number;
  readonly prepareMs: number;
  readonly cvMs: number;
  readonly fanInMs: number;
  readonly fanIn: Readonly<Record<string, number>>;
  readonly gaps: readonly number[];
  readonly handBackMs: number;
  readonly deliverMs: number;
}

async function distributed(env: ScaleEnv, store: Store, taskId: string, workers: number, granularity: Granularity): Promise<Row> {
  const procs: Child[] = await Promise.all(Array.from({ length: workers }, (_, i) => startWorkerProcess(env, `worker ${i + 1}`, 30_000)));
  const engine = new BullmqJobEngine({ store, redis: REDIS_URL, queue: env.queue, prefix: env.prefix, granularity });
  try {
    const t0 = Date.now();
    const { jobId, outcome } = await engine.submit({ taskId, scope: GLOBAL, actor: 'bench', reason: 'bench' });
    const o = await outcome;
    const t1 = Date.now();
    if (o.status !== 'built') throw new Error(`build ${taskId} ${o.status}`);
    const q = resolveQueues('bench', { redis: REDIS_URL, queue: env.queue, prefix: env.prefix });
    const plan = await job(q, 'plan', bullJobId(jobId, 'plan'));
    const fan = await job(q, 'fanin', bullJobId(jobId, 'fanin'));
    const r = fan.returnvalue as FanInJobResult;
    const cells = [...r.cells].sort((a, b) => a.startedAt - b.startedAt);
    // Coordination: how long a ready sub-job and a free worker waited for each other.
    const gaps: number[] = [];
    const lastEnd = new Map<string, number>();
    for (const c of cells) {
      const ready = Math.max(c.enqueuedAt, lastEnd.get(c.worker) ?? 0);
      gaps.push(c.startedAt - ready);
      lastEnd.set(c.worker, c.finishedAt);
    }
    const s = r.steps;
    return {
      label: `${workers} worker${workers > 1 ? 's' : ''}`, workers, granularity, wallMs: t1 - t0, subJobs: cells.length,
      planMs: plan.finishedOn! - plan.processedOn!, planWaitMs: plan.processedOn! - plan.timestamp,
      prepareMs: cells.reduce((a, c) => a + c.prepareMs, 0), cvMs: cells.reduce((a, c) => a + c.cvMs, 0),
      fanInMs: r.finishedAt - r.startedAt,
      fanIn: { load: s['fit']! - r.startedAt, fit: s['evaluate']! - s['fit']!, evaluate: s['register']! - s['evaluate']!, register: s['promote']! - s['register']!, promote: r.finishedAt - s['promote']! },
      gaps, handBackMs: r.startedAt - Math.max(...cells.map((c) => c.finishedAt)), deliverMs: t1 - fan.finishedOn!,
    };
  } finally {
    await engine.close();
    await Promise.all(procs.map((p) => p.stop()));
  }
}

async function job(q: ReturnType<typeof resolveQueues>, stage: 'plan' | 'fanin', id: string): Promise<Job> {
  const queue = new Queue(stageQueue(q, stage), { connection: q.connection, prefix: q.prefix });
  try {
    const j = await Job.fromId(queue, id);
    if (j === undefined) throw new Error(`no ${stage} job ${id}`);
    return j;
  } finally {
    await queue.close();
  }
}

async function main(): Promise<void> {
  const problem = await scaleProblem();
  if (problem !== undefined) {
    console.error(`bench:scale needs PostgreSQL and Redis: ${problem}`);
    process.exit(2);
  }
  const env = await scaleEnv('bench');
  const store = await openStore(env.dbUrl);
  const rows: Row[] = [];
  try {
    console.log(`bench:scale — ${DOCS} SpamAssassin emails, ${FOLDS} folds, ${FOUR.length} candidates (${FOUR.map((c) => c.name).join(', ')}); ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} (other processes share them); worker processes on this machine`);
    const configs: { workers: number; granularity: Granularity }[] = [
      ...WORKERS.map((w) => ({ workers: w, granularity: 'fold' as Granularity })),
      ...GRANULARITIES.filter((g) => g !== 'fold').map((g) => ({ workers: Math.min(2, Math.max(...WORKERS)), granularity: g })),
    ];
    const tasks = ['base', ...configs.map((c) => `w${c.workers}-${c.granularity}`)];
    process.stdout.write(`seeding ${tasks.length} tasks with the same ${DOCS} labelled emails …`);
    for (const t of tasks) await seedTask(store, t, DOCS, FOLDS, FOUR);
    console.log(' done');

    const t0 = performance.now();
    const base = await runBuild(store, { taskId: 'base', scope: GLOBAL, actor: 'bench', reason: 'bench' });
    const baseMs = performance.now() - t0;
    if (base.status !== 'built') throw new Error('baseline build skipped');
    console.log(`one process (runBuild, no queue): ${f0(baseMs)} ms, winner ${base.candidates[0]!.name}`);

    for (const c of configs) {
      process.stdout.write(`${c.workers} worker(s), per ${c.granularity} …`);
      const row = await distributed(env, store, `w${c.workers}-${c.granularity}`, c.workers, c.granularity);
      rows.push(row);
      console.log(` ${f0(row.wallMs)} ms`);
    }

    console.log('\nbuild wall time (submit → outcome at the submitter)');
    console.log('setup                   sub-jobs  wall ms  vs 1 process  plan ms  Σ load+tokenize ms  Σ cv ms  fan-in ms  coord/sub-job p50 / p95 / max ms  hand-back ms  outcome delivery ms');
    console.log(`1 process (runBuild)    -         ${f0(baseMs).padStart(7)}  1.00x`);
    for (const r of rows) {
      console.log(
        `${`${r.label}, per ${r.granularity}`.padEnd(24)}${String(r.subJobs).padEnd(10)}${f0(r.wallMs).padStart(7)}  ${`${(baseMs / r.wallMs).toFixed(2)}x`.padEnd(14)}` +
          `${f0(r.planMs).padStart(7)}  ${f0(r.prepareMs).padStart(18)}  ${f0(r.cvMs).padStart(7)}  ${f0(r.fanInMs).padStart(9)}  ` +
          `${`${f1(pct(r.gaps, 50))} / ${f1(pct(r.gaps, 95))} / ${f1(Math.max(...r.gaps))}`.padStart(33)}  ${f1(r.handBackMs).padStart(12)}  ${f1(r.deliverMs).padStart(19)}`,
      );
    }
    const one = rows.find((r) => r.workers === Math.min(...WORKERS) && r.granularity === 'fold');
    if (one !== undefined) {
      const total = one.wallMs;
      const coord = one.planWaitMs + one.gaps.reduce((a, b) => a + b, 0) + one.handBackMs + one.deliverMs;
      console.log(`\nwhere the time goes (${one.label}, per fold, ${f0(total)} ms):`);
      console.log(`  plan (snapshot, folds, champion; then the flow is added)  ${f0(one.planMs)} ms`);
      console.log(`  load + tokenize the snapshot, once per worker per build   ${f0(one.prepareMs)} ms (later sub-jobs of the build on that worker reuse it)`);
      console.log(`  cross-validation (fold features, fits, scoring)          ${f0(one.cvMs)} ms`);
      console.log(`  fan-in: ${Object.entries(one.fanIn).map(([k, v]) => `${k} ${f0(v)}`).join(', ')} ms`);
      console.log(`  coordination (plan wait + every sub-job's wait + hand-back + delivery)  ${f0(coord)} ms = ${((coord / total) * 100).toFixed(1)} %`);
    }
    const all = rows.flatMap((r) => r.gaps);
    console.log(`\nenqueue→start of a ready sub-job on a free worker, all runs: p50 ${f1(pct(all, 50))} ms, p95 ${f1(pct(all, 95))} ms (target ≤ 20 ms); ` +
      `hand-back of the last result to the fan-in: ${rows.map((r) => f1(r.handBackMs)).join(', ')} ms; load average now ${loadavg()[0]!.toFixed(1)}`);
  } finally {
    await store.close();
    await env.dispose();
  }
}

await main();
