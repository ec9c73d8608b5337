/*
 * An API server child process for the scale-out test: createServer over a curator whose builds
 * go to the BullMQ queues and whose model cache hears promotions over PostgreSQL LISTEN/NOTIFY.
 * Prints {"event":"listening","port":…} on stdout. argv: <db url> <redis url> <queue name> <prefix>
 */
import { BullmqBuildRunner } from '../../src/jobs/bullmq-build-runner.ts';
import { createCurator, openModelChangeBus } from '../../src/lifecycle/index.ts';
import { createServer } from '../../src/server/index.ts';
import { openStore } from '../../src/store/index.ts';

const [db, redis, queue, prefix] = process.argv.slice(2);
const store = await openStore(db!, { migrate: false, poolSize: 8 });
const modelChanges = await openModelChangeBus(db!);
const curator = await createCurator({ store, buildRunner: new BullmqBuildRunner({ store, redis: redis!, queue: queue!, prefix: prefix! }), modelChanges });
const app = await createServer({ curator, rateLimit: false, dashboard: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ event: 'listening', pid: process.pid, port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await curator.close();
    await modelChanges.close();
    await store.close();
    process.exit(0);
  })();
});
