import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { Curator } from '../../lifecycle/index.ts';
import { CuratorError } from '../../ml/errors.ts';
import { GLOBAL } from '../../store/types.ts';
import { emit, envInt, intAtLeast, openCurator, withCommon, type CommonOptions } from '../common.ts';
import { loadDemo } from '../demo-setup.ts';
import { issueToken } from '../issue-token.ts';
import { buildProgress } from '../progress.ts';
import { reportError } from '../report-error.ts';
import { loadCreateServer, type HttpServer } from '../server-loader.ts';
import { envSubset } from './demo.ts';

interface ServeOptions extends CommonOptions {
  port?: number;
  host: string;
  demo: boolean;
  demoSubset?: number;
  demoTask: string;
  workers?: number;
  processes?: number;
  log: boolean;
  dashboard: boolean;
  rateLimit: number;
  queue?: string;
}

/** The admin user `serve --demo` creates on an empty database. */
const ADMIN = 'admin';

/** What a worker process of `serve --processes N` tells the primary once it listens. */
interface ListeningMessage {
  readonly type: 'curator:listening';
  readonly address: string;
}

/**
 * `curator serve`: the HTTP API, dashboard and metrics over a curator, builds on worker threads.
 * With `--demo` (what `npm start` runs) an empty database is first set up: the SpamAssassin
 * task and corpus, the initial models (progress bar), an admin user and token. The token is
 * printed once; a restart keeps everything and says how to issue a new one (only hashes are stored).
 */
export function registerServe(program: Command): void {
  withCommon(
    program
      .command('serve')
      .description('run the HTTP API and dashboard (with --demo: set up the SpamAssassin demo on an empty database first)')
      .option('--port <n>', 'port (env PORT, default 8080; 0 picks a free one)', intAtLeast(0))
      .option('--host <host>', 'interface to listen on (env HOST; 0.0.0.0 for every interface)', process.env['HOST'] ?? '127.0.0.1')
      .option('--demo', 'on an empty database: load the demo task and corpus, build, create an admin user and token', false)
      .option('--demo-subset <n>', 'demo: load only n emails (env CURATOR_DEMO_SUBSET; default all 6,046)', intAtLeast(20))
      .option('--demo-task <id>', 'demo: the task id', 'spam')
      .option('--workers <n>', 'build worker threads (env CURATOR_WORKERS, default 1)', intAtLeast(1))
      .option('--processes <n>', 'HTTP server processes sharing the port, one per core (node:cluster; env CURATOR_PROCESSES, default 1)', intAtLeast(1))
      .option('--rate-limit <n>', 'requests per minute per token under /v1 (0: no limit)', intAtLeast(0), 600)
      .option('--queue <redis-url>', 'scale-out: hand builds to `curator worker --queue` processes through BullMQ on Redis and hear the other servers\' promotions (needs a postgres:// --db; env CURATOR_QUEUE)', process.env['CURATOR_QUEUE'])
      .option('--no-dashboard', 'do not serve the dashboard at /')
      .option('--log', 'log every request (fastify logger)', false),
  ).action(async (options: ServeOptions) => {
    const opts: ServeOptions = {
      ...options,
      port: options.port ?? envInt('PORT', 0) ?? 8080,
      workers: options.workers ?? envInt('CURATOR_WORKERS', 1) ?? 1,
      processes: options.processes ?? envInt('CURATOR_PROCESSES', 1) ?? 1,
      ...(options.demoSubset === undefined ? { demoSubset: envSubset() } : {}),
    };
    if (cluster.isWorker) return serveAsWorker(opts);
    const processes = opts.processes ?? 1;
    if (processes > 1 && /^sqlite::memory:/.test(opts.db)) {
      // Each process would open a database of its own, empty, and answer differently.
      throw new CuratorError('INVALID_ARGUMENT', `--processes ${processes}: the server processes must share one database; ${opts.db} lives in one process (use a file or postgres://)`, { field: 'processes' });
    }
    const createServer = processes === 1 ? await loadCreateServer() : undefined;
    const { curator, release } = await openServing(opts, {});
    let adminToken: string | null = null;
    let server: HttpServer | undefined;
    let url: string;
    let hint: string | null = null;
    try {
      if (opts.demo) adminToken = await setUpDemo(curator, opts);
      if (adminToken === null && opts.demo) {
        hint = `the admin token was printed on first start and is not stored (only its hash); issue another with: npx curator tokens add ${ADMIN} --role admin --db ${opts.db}`;
      } else if (!opts.demo && (await curator.store.listing.users()).length === 0) {
        hint = `no users yet; make an admin with: npx curator users add ${ADMIN} --db ${opts.db} && npx curator tokens add ${ADMIN} --role admin --db ${opts.db}`;
      }
      if (createServer !== undefined) {
        server = await createServer(serverOptions(curator, opts));
        url = displayUrl(await listen(server, opts.port ?? 8080, opts.host));
      } else {
        // The primary only set the database up (migrations, demo); the workers serve.
        await curator.close();
        await release();
        url = displayUrl(await forkServers(processes));
      }
    } catch (error) {
      await curator.close().catch(() => undefined);
      await release().catch(() => undefined);
      throw error;
    }
    // --json: one line, so a supervising script can read it as soon as the server listens
    if (opts.json) process.stdout.write(`${JSON.stringify({ url, db: opts.db, adminToken, hint, processes })}\n`);
    else emit(opts, null, () => [
      `Curator is listening on ${url}${processes > 1 ? ` (${processes} processes)` : ''}`,
      `  dashboard ${url}/   API ${url}/v1   docs ${url}/docs   metrics ${url}/metrics`,
      ...(adminToken === null ? [] : [`  admin token (shown once, only its hash is stored): ${adminToken}`, `  try: curl -H "Authorization: Bearer ${adminToken}" ${url}/v1/me`]),
      ...(hint === null ? [] : [`  ${hint}`]),
      '  Ctrl-C stops it; everything is kept in the database.',
    ].join('\n'));
    if (server !== undefined) await stopOnSignal({ close: async () => { await curator.close(); await release(); } }, server);
    else await superviseServers(processes);
  });
}

/** The curator a serving process opens: embedded builds on worker threads, or scaled out with --queue. */
async function openServing(opts: ServeOptions, extra: { follower?: boolean }): Promise<{ curator: Curator; release: () => Promise<void> }> {
  if (opts.queue !== undefined) return openScaledOut(opts.db, opts.queue);
  const bus = cluster.isWorker ? await import('../../lifecycle/model-change-bus-cluster.ts') : undefined;
  const curator = await openCurator({
    store: opts.db, jobs: { workers: opts.workers ?? 1 },
    // Promotions made by one process reach the others' model caches through the primary.
    ...(bus === undefined ? {} : { modelChanges: new bus.ClusterModelChangeBus() }),
    // Schedule rules are looked at by the first process only, so one time fires one build.
    ...(extra.follower ? { triggers: { scheduleCheckMs: 0 } } : {}),
  });
  return { curator, release: async () => {} };
}

function serverOptions(curator: Curator, opts: ServeOptions): Parameters<Awaited<ReturnType<typeof loadCreateServer>>>[0] {
  return {
    curator, logger: opts.log, dashboard: opts.dashboard,
    rateLimit: opts.rateLimit === 0 ? false : { max: opts.rateLimit, timeWindowMs: 60_000 },
  };
}

function displayUrl(address: string): string {
  return address.replace('://0.0.0.0', '://localhost').replace('://[::]', '://localhost');
}

/**
 * One of `serve --processes N`'s servers: the same curator and server as a single process, on
 * the port the primary shares out (node:cluster), telling the primary once it listens.
 */
async function serveAsWorker(opts: ServeOptions): Promise<void> {
  const createServer = await loadCreateServer();
  const { curator, release } = await openServing(opts, { follower: process.env['CURATOR_SERVE_ROLE'] === 'follower' });
  let server: HttpServer;
  try {
    server = await createServer(serverOptions(curator, opts));
    const address = await listen(server, opts.port ?? 8080, opts.host);
    process.send!({ type: 'curator:listening', address } satisfies ListeningMessage);
  } catch (error) {
    await curator.close().catch(() => undefined);
    await release().catch(() => undefined);
    throw error;
  }
  // A second signal (Ctrl-C reaches the whole process group, then the primary passes one on) must
  // not cut the graceful stop short: the primary alone forces, with SIGKILL.
  await stopOnSignal({ close: async () => { await curator.close(); await release(); } }, server, { forceOnSecond: false });
  // The IPC channel to the primary would keep this process alive.
  process.disconnect?.();
}

/** Forks the server processes (the first one leads: it runs the schedule triggers) and answers the address once all listen. */
async function forkServers(n: number): Promise<string> {
  const { relayModelChanges } = await import('../../lifecycle/model-change-bus-cluster.ts');
  relayModelChanges();
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...serverRuntimeFlags(n)] });
  const addresses = await Promise.all(Array.from({ length: n }, (_, i) => forkServer(i === 0 ? 'leader' : 'follower')));
  return addresses[0]!;
}

/**
 * V8 settings for N server processes, unless the user set them (argv or NODE_OPTIONS):
 * - a 32 MB young generation: a predict allocates its body, text, answer and log row, and
 *   with the default 16 MB the scavenger ran twice as often; measured on 2 cores with 2
 *   processes under wrk: 9,058 / 8,787 -> 9,692 / 9,813 req/s, with less CPU in GC threads;
 * - GC helper threads per process = cores / processes (at least 1): N processes each with
 *   V8's default 4 helpers oversubscribe a small machine, and a descheduled server is a
 *   latency spike (p99 48 -> 33-36 ms in the same runs with 1 helper each on 2 cores).
 */
function serverRuntimeFlags(n: number): string[] {
  const set = `${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`;
  const flags: string[] = [];
  if (!set.includes('--max-semi-space-size')) flags.push('--max-semi-space-size=32');
  if (!set.includes('--v8-pool-size')) flags.push(`--v8-pool-size=${Math.max(1, Math.floor(availableParallelism() / n))}`);
  return flags;
}

/** Role of each server process by cluster worker id: the one leader's replacement leads too. */
const roles = new Map<number, 'leader' | 'follower'>();

function forkServer(role: 'leader' | 'follower'): Promise<string> {
  const worker = cluster.fork({ CURATOR_SERVE_ROLE: role });
  roles.set(worker.id, role);
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new CuratorError('INVALID_STATE', `a server process exited with ${code} before it listened`, { field: 'processes' }));
    worker.once('exit', onExit);
    worker.on('message', (m: ListeningMessage) => {
      if (m?.type !== 'curator:listening') return;
      worker.off('exit', onExit);
      resolve(m.address);
    });
  });
}

/**
 * Keeps `n` server processes up until SIGINT/SIGTERM: one that dies is replaced (as gunicorn
 * does), at most once a second; a signal is passed on, and this returns once all have exited.
 */
function superviseServers(n: number): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    let lastFork = 0;
    cluster.on('exit', (worker, code, signal) => {
      const alive = Object.keys(cluster.workers ?? {}).length;
      if (stopping) {
        if (alive === 0) resolve();
        return;
      }
      const role = roles.get(worker.id) ?? 'follower';
      roles.delete(worker.id);
      process.stderr.write(`a server process exited (${signal ?? code}); starting another\n`);
      const wait = Math.max(0, 1000 - (Date.now() - lastFork));
      setTimeout(() => {
        lastFork = Date.now();
        forkServer(role).catch((error: unknown) => process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`));
      }, wait);
    });
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`${signal}: stopping ${n} server processes (again to force)\n`);
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      if (Object.keys(cluster.workers ?? {}).length === 0) resolve();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

/**
 * Sets an empty database up for the demo and answers the new admin token (null when the admin
 * exists already). Resumable: a first start stopped halfway loads, builds or issues what is missing.
 */
async function setUpDemo(curator: Curator, opts: ServeOptions): Promise<string | null> {
  const taskId = opts.demoTask;
  const task = await curator.store.corpus.getTask(taskId);
  if (task === undefined || (await curator.store.listing.countDocuments(taskId)) === 0) {
    const loaded = await loadDemo(curator, { taskId, ...(opts.demoSubset === undefined ? {} : { subset: opts.demoSubset }) });
    if (!opts.json) process.stderr.write(`demo: loaded ${loaded.documents} emails into task '${taskId}' (ham ${loaded.labels['ham']}, spam ${loaded.labels['spam']})\n`);
  }
  if ((await curator.registry.promotions.activeAt(taskId, GLOBAL)) === null) {
    const bar = buildProgress(`demo: initial models of '${taskId}'`);
    try {
      const outcome = await curator.build(taskId, { actor: 'demo', reason: 'initial model of the demo', onProgress: bar.onProgress });
      bar.stop();
      if (!opts.json && outcome.status === 'built') {
        process.stderr.write(`demo: model #${outcome.model.id} (${outcome.model.estimator}, ${outcome.model.scoreMetric} ${outcome.model.score?.toFixed(4)}) is active; ${outcome.candidates.length} candidates, ${outcome.folds}-fold CV\n`);
      }
    } finally {
      bar.stop();
    }
  }
  if ((await curator.store.corpus.getUser(ADMIN)) !== undefined) return null;
  await curator.addUser(ADMIN, 'Administrator');
  const { token } = await issueToken(curator.store, { userId: ADMIN, role: 'admin', label: 'created by the first start of the demo' });
  return token;
}

/** Listens, turning "port taken" and "not allowed" into errors that say which flag to change. */
async function listen(server: HttpServer, port: number, host: string): Promise<string> {
  try {
    return await server.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CuratorError('CONFLICT', `port ${port} on ${host} is already in use; choose another with --port (or PORT)`, { field: 'port' });
    if (code === 'EACCES') throw new CuratorError('INVALID_ARGUMENT', `not allowed to listen on port ${port}; use a port above 1023`, { field: 'port' });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CuratorError('INVALID_ARGUMENT', `cannot listen on host ${JSON.stringify(host)}: no such interface`, { field: 'host' });
    throw error;
  }
}

/**
 * A curator for one of N stateless API servers: builds go to the BullMQ queues that
 * `curator worker --queue` processes take, and promotions made anywhere reach this server's model
 * cache over PostgreSQL LISTEN/NOTIFY (docs/deployment.md). `release` closes what the curator
 * does not own (its store and the bus).
 */
async function openScaledOut(db: string, queue: string): Promise<{ curator: Curator; release: () => Promise<void> }> {
  if (!/^postgres(ql)?:\/\//.test(db)) {
    throw new CuratorError('INVALID_ARGUMENT', `--queue ${queue}: scaled-out servers share a PostgreSQL database with the workers (--db postgres://…); got ${db}`, { field: 'queue' });
  }
  const [{ openStore }, { BullmqBuildRunner }, { createCurator, openModelChangeBus }] = await Promise.all([
    import('../../store/index.ts'), import('../../jobs/bullmq-build-runner.ts'), import('../../lifecycle/index.ts'),
  ]);
  const store = await openStore(db);
  const modelChanges = await openModelChangeBus(db).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const release = async (): Promise<void> => {
    await modelChanges.close();
    await store.close();
  };
  try {
    return { curator: await createCurator({ store, buildRunner: new BullmqBuildRunner({ store, redis: queue, ...queueNames() }), modelChanges }), release };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Queue name and key prefix from CURATOR_QUEUE_NAME / CURATOR_QUEUE_PREFIX, as `curator worker` reads them. */
function queueNames(): { queue?: string; prefix?: string } {
  const queue = process.env['CURATOR_QUEUE_NAME'];
  const prefix = process.env['CURATOR_QUEUE_PREFIX'];
  return { ...(queue ? { queue } : {}), ...(prefix ? { prefix } : {}) };
}

/** Serves until SIGINT/SIGTERM, then closes the server and the curator (a second signal exits at once, unless told not to). */
function stopOnSignal(curator: { close(): Promise<void> }, server: { close(): Promise<unknown> }, options: { forceOnSecond?: boolean } = {}): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        if (options.forceOnSecond ?? true) process.exit(130);
        return;
      }
      stopping = true;
      if (options.forceOnSecond ?? true) process.stderr.write(`${signal}: stopping (again to force)\n`);
      server.close()
        .then(() => curator.close())
        .then(() => resolve(), (error: unknown) => {
          process.exitCode = reportError(error, false);
          resolve();
        });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
