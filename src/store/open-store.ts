import { Kysely } from 'kysely';
import { CuratorError } from '../ml/errors.ts';
import type { StoreDialect } from './capabilities.ts';
import { migrateToLatest, type MigrationReport } from './migrator.ts';
import { createPostgresDialect } from './postgres-dialect.ts';
import type { Tables } from './schema.ts';
import { createSqliteDialect } from './sqlite-dialect.ts';
import { KyselyStore, type Store } from './store.ts';

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** PostgreSQL schema (overrides `?schema=` in the URL). */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/**
 * The backend a URL names:
 * - `sqlite:./data/curator.db`, `sqlite:/abs/path.db`, `sqlite::memory:`
 * - `postgres://user@host:5432/db?schema=curator` (also `postgresql://`)
 */
export function dialectFromUrl(url: string, options: OpenStoreOptions = {}): StoreDialect {
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new CuratorError('INVALID_ARGUMENT', 'openStore: a sqlite: URL needs a path or :memory:', { field: 'url' });
    return createSqliteDialect(path);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const parsed = new URL(url);
    const schema = options.schema ?? parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    return createPostgresDialect(parsed.toString(), {
      ...(schema === undefined ? {} : { schema }),
      ...(options.poolSize === undefined ? {} : { max: options.poolSize }),
    });
  }
  throw new CuratorError('INVALID_ARGUMENT', `openStore: unknown database URL scheme in ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//…@'))}; use sqlite: or postgres://`, {
    field: 'url',
  });
}

/**
 * Opens the store a URL names and (unless `migrate: false`) brings its schema up to date.
 *
 * @example const store = await openStore('sqlite:./data/curator.db');
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const dialect = dialectFromUrl(url, options);
  const db = new Kysely<Tables>({ dialect: dialect.kysely });
  try {
    if (options.migrate ?? true) await migrateToLatest(db as Kysely<unknown>, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStore(db, dialect);
}

/**
 * Applies pending migrations to the database a URL names and reports what ran.
 *
 * @example const { applied } = await migrate('postgres://postgres@127.0.0.1:5432/test');
 */
export async function migrate(url: string, options: Omit<OpenStoreOptions, 'migrate'> = {}): Promise<MigrationReport> {
  const dialect = dialectFromUrl(url, options);
  const db = new Kysely<Tables>({ dialect: dialect.kysely });
  try {
    return await migrateToLatest(db as Kysely<unknown>, dialect);
  } finally {
    await db.destroy();
  }
}
