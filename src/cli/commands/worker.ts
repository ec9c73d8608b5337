import type { Command } from 'commander';
import type { Curator } from '../../lifecycle/index.ts';
import { CuratorError } from '../../ml/errors.ts';
import { intAtLeast, openCurator, scopeText, withCommon, type CommonOptions } from '../common.ts';
import { reportError } from '../report-error.ts';

interface WorkerOptions extends CommonOptions {
  workers: number;
  pollMs: number;
  once: boolean;
  queue?: string;
}

/**
 * `curator worker`: a process that only builds. Embedded mode (now): on the database's own job
 * table it takes over builds that stopped processes left behind and fires the schedule triggers
 * of every task, on worker threads. Distributed mode (`--queue <url>`) belongs to the job
 * engine's distributed implementation ({@link runDistributed}: BullMQ queues on Redis, PostgreSQL).
 */
export function registerWorker(program: Command): void {
  withCommon(
    program
      .command('worker')
      .description('run builds off the API servers: recover builds stopped processes left, fire schedule triggers (embedded engine on --db)')
      .option('--workers <n>', 'build worker threads', intAtLeast(1), 1)
      .option('--poll-ms <ms>', 'how often to look for work', intAtLeast(100), 5000)
      .option('--once', 'look once, wait for the builds started, then exit', false)
      .option('--queue <url>', 'distributed mode: take builds from a shared queue (redis://… or the PostgreSQL --db)'),
  ).action(async (opts: WorkerOptions) => {
    if (opts.queue !== undefined) return runDistributed(opts);
    return runEmbedded(opts);
  });
}

/**
 * Distributed mode: takes plan, cross-validation and fan-in jobs from the BullMQ queues on Redis
 * (src/jobs/worker-process.ts) until SIGINT/SIGTERM, then finishes the jobs in hand. The
 * database must be the PostgreSQL one every server and worker reaches.
 */
async function runDistributed(opts: WorkerOptions): Promise<void> {
  if (!/^postgres(ql)?:\/\//.test(opts.db)) {
    throw new CuratorError('INVALID_ARGUMENT', `--queue ${opts.queue}: distributed workers need the PostgreSQL database the API servers use (--db postgres://…); got ${opts.db}`, { field: 'queue' });
  }
  const { runWorker } = await import('../../jobs/worker-process.ts');
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  const log = (line: string): void =>
    void process.stdout.write(opts.json ? `${JSON.stringify({ at: new Date().toISOString(), event: 'log', line })}\n` : `${new Date().toISOString()} ${line}\n`);
  const handle = await runWorker({ queue: opts.queue!, db: opts.db, signal: ac.signal, log });
  await handle.stopped;
}

async function runEmbedded(opts: WorkerOptions): Promise<void> {
  const log = (line: string, data: Record<string, unknown>): void => {
    if (opts.json) process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...data })}\n`);
    else process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const curator = await openCurator({ store: opts.db, jobs: { engine: 'worker', workers: opts.workers } });
  log(`worker on ${opts.db} (${opts.workers} thread(s)); recovered ${curator.recovered.length} build(s) at start`, { event: 'started', db: opts.db, recovered: curator.recovered.length });
  for (const r of curator.recovered) follow(r.jobId, r.outcome, log);
  if (opts.once) {
    await lookForWork(curator, log);
    await curator.idle();
    await curator.close();
    log('idle; exiting (--once)', { event: 'stopped' });
    return;
  }
  await new Promise<void>((resolve) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      lookForWork(curator, log).catch((e: unknown) => reportError(e, opts.json)).finally(() => (busy = false));
    }, opts.pollMs);
    const stop = (signal: string): void => {
      clearInterval(timer);
      log(`${signal}: finishing running builds, then exiting`, { event: 'stopping', signal });
      curator.close().then(() => {
        log('stopped', { event: 'stopped' });
        resolve();
      }, (e: unknown) => {
        process.exitCode = reportError(e, opts.json);
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** One pass: orphaned builds, then schedule triggers. */
async function lookForWork(curator: Curator, log: (line: string, data: Record<string, unknown>) => void): Promise<void> {
  for (const r of await curator.recoverBuilds()) {
    log(`job #${r.jobId} of '${r.request.taskId}': ${r.action}${r.error ? ` (${r.error})` : ''}`, { event: 'recovered', jobId: r.jobId, action: r.action, error: r.error ?? null });
    follow(r.jobId, r.outcome, log);
  }
  for (const f of await curator.checkTriggers()) {
    log(`trigger ${f.rule} for '${f.taskId}' (${scopeText(f.scope)}): ${f.reason} → ${f.status}${f.jobId === null ? '' : ` job #${f.jobId}`}`,
      { event: 'trigger', taskId: f.taskId, rule: f.rule, scope: scopeText(f.scope), reason: f.reason, status: f.status, jobId: f.jobId });
    if (f.status === 'started' && f.jobId !== null) follow(f.jobId, f.outcome, log);
  }
}

function follow(jobId: number, outcome: Promise<unknown> | undefined, log: (line: string, data: Record<string, unknown>) => void): void {
  outcome?.then(
    (o) => log(`job #${jobId} finished: ${(o as { status: string }).status}`, { event: 'finished', jobId, status: (o as { status: string }).status }),
    (e: unknown) => log(`job #${jobId} failed: ${e instanceof Error ? e.message : String(e)}`, { event: 'failed', jobId, error: String(e) }),
  );
}
