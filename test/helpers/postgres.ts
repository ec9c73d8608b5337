/*
 * PostgreSQL for tests outside the store contract: whether the server answers (skip locally
 * with the reason, fail under CI), and a private schema per test file, named in the URL so that
 * worker threads opening the URL land in it too.
 */
import { randomBytes } from 'node:crypto';
import { dropSchema as dropServerSchema, IN_CI, probePostgres } from './services.ts';
import { PG_URL } from '../store/backends.ts';


const problem = await probePostgres(PG_URL);
const inCi = IN_CI;

/** Why PostgreSQL tests are skipped here (unreachable, CI not set); undefined when they run. */
export const pgSkip = problem !== undefined && !inCi ? `PostgreSQL at ${PG_URL} is unreachable (${problem}); set it up or run .ci/run` : undefined;

/** Why they must fail instead (unreachable under CI); undefined otherwise. */
export const pgFail = problem !== undefined && inCi ? `PostgreSQL at ${PG_URL} is unreachable (${problem}); CI is set, so this fails instead of skipping` : undefined;

/** A fresh schema name and the URL that selects it (`?schema=`), for one test file. */
export function privateSchema(prefix: string): { schema: string; url: string } {
  const schema = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return { schema, url: url.toString() };
}

/** Drops a schema made by {@link privateSchema}, with everything in it. */
export function dropSchema(schema: string): Promise<void> {
  return dropServerSchema(PG_URL, schema);
}
