/*
 * Whether the services some tests need answer: PostgreSQL and Redis. Tests skip with the reason
 * when one does not answer locally, and fail when CI is set (`IN_CI`).
 */
import pg from 'pg';
import { Redis } from 'ioredis';

/** True under CI, where tests needing an unreachable service must fail instead of skipping. */
export const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/** Why PostgreSQL at `url` does not answer `select 1` within 3 s; undefined when it does. */
export async function probePostgres(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String((error as { code?: string }).code ?? error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Why Redis at `url` does not answer PING within 3 s; undefined when it does. */
export async function probeRedis(url: string): Promise<string | undefined> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    r.disconnect();
  }
}

/** Drops a test's private schema at `url`'s server, with everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await admin.end();
  }
}
