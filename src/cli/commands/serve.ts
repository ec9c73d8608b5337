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
  log: boolean;
  dashboard: boolean;
  rateLimit: number;
  queue?: string;
}

/** The admin user `serve --demo` creates on an empty database. */
const ADMIN = 'admin';

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
      .option('--rate-limit <n>', 'requests per minute per token under /v1 (0: no limit)', intAtLeast(0), 600)
      .option('--queue <redis-url>', 'scale-out: hand builds to `curator worker --queue` processes through BullMQ on Redis and hear the other servers\' promotions (needs a postgres:// --db; env CURATOR_QUEUE)', process.env['CURATOR_QUEUE'])
      .option('--no-dashboard', 'do not serve the dashboard at /')
      .option('--log', 'log every request (fastify logger)', false),
  ).action(async (options: ServeOptions) => {
    const opts: ServeOptions = {
      ...options,
      port: options.port ?? envInt('PORT', 0) ?? 8080,
      workers: options.workers ?? envInt('CURATOR_WORKERS', 1) ?? 1,
      ...(options.demoSubset === undefined ? { demoSubset: envSubset() } : {}),
    };
    const createServer = await loadCreateServer();
    const { curator, release } = opts.queue === undefined
      ? { curator: await openCurator({ store: opts.db, jobs: { workers: opts.workers ?? 1 } }), release: async () => {} }
      : await openScaledOut(opts.db, opts.queue);
    let adminToken: string | null = null;
    let server;
    try {
      if (opts.demo) adminToken = await setUpDemo(curator, opts);
      server = await createServer({
        curator, logger: opts.log, dashboard: opts.dashboard,
        rateLimit: opts.rateLimit === 0 ? false : { max: opts.rateLimit, timeWindowMs: 60_000 },
      });
      const address = await listen(server, opts.port ?? 8080, opts.host);
      const url = address.replace('://0.0.0.0', '://localhost').replace('://[::]', '://localhost');
      let hint: string | null = null;
      if (adminToken === null && opts.demo) {
        hint = `the admin token was printed on first start and is not stored (only its hash); issue another with: npx curator tokens add ${ADMIN} --role admin --db ${opts.db}`;
      } else if (!opts.demo && (await curator.store.listing.users()).length === 0) {
        hint = `no users yet; make an admin with: npx curator users add ${ADMIN} --db ${opts.db} && npx curator tokens add ${ADMIN} --role admin --db ${opts.db}`;
      }
      // --json: one line, so a supervising script can read it as soon as the server listens
      if (opts.json) process.stdout.write(`${JSON.stringify({ url, db: opts.db, adminToken, hint })}\n`);
      else emit(opts, null, () => [
        `Curator is listening on ${url}`,
        `  dashboard ${url}/   API ${url}/v1   docs ${url}/docs   metrics ${url}/metrics`,
        ...(adminToken === null ? [] : [`  admin token (shown once, only its hash is stored): ${adminToken}`, `  try: curl -H "Authorization: Bearer ${adminToken}" ${url}/v1/me`]),
        ...(hint === null ? [] : [`  ${hint}`]),
        '  Ctrl-C stops it; everything is kept in the database.',
      ].join('\n'));
    } catch (error) {
      await curator.close().catch(() => undefined);
      await release().catch(() => undefined);
      throw error;
    }
    await stopOnSignal({ close: async () => { await curator.close(); await release(); } }, server);
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

/** Serves until SIGINT/SIGTERM, then closes the server and the curator (a second signal exits at once). */
function stopOnSignal(curator: { close(): Promise<void> }, server: { close(): Promise<unknown> }): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`${signal}: stopping (again to force)\n`);
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
