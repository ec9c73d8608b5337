import type { Duplex } from 'node:stream';
import pg from 'pg';
import { PostgresDialect, sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import type { ConstraintKind, StoreDialect } from './capabilities.ts';
import { copyOutLargeBytes, copyOutRowAndLargeBytes } from './pg-copy-bytes.ts';
import { pgStream } from './pg-copy-socket.ts';

const PG_CONSTRAINTS: Record<string, ConstraintKind> = {
  '23505': 'unique',
  '23503': 'foreign_key',
  '23514': 'check',
  '23502': 'not_null',
};

// int8 (ids, epoch-ms timestamps, counts) and numeric sums arrive as strings by default;
// all of ours fit a double exactly (< 2^53). Per-pool, so other pg users in the process are untouched.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

/** Options of the PostgreSQL backend. */
export interface PostgresOptions {
  /** Schema holding Curator's tables (created if missing); `public` when not given. */
  schema?: string;
  /** Pool size. */
  max?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The scale-out backend: PostgreSQL through a `pg` pool. A schema other than `public` is
 * selected with `search_path` on every pooled connection, so tests and tenants stay apart.
 *
 * @example const dialect = createPostgresDialect('postgres://postgres@127.0.0.1:5432/test', { schema: 'curator' });
 */
export function createPostgresDialect(connectionString: string, options: PostgresOptions = {}): StoreDialect {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`createPostgresDialect: schema must match ${SCHEMA_NAME}; got ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types,
    connectionTimeoutMillis: 5000,
    // Sockets that hand COPY data (model blobs) to the reader without a buffer per read.
    stream: pgStream as () => Duplex,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  return {
    label: `postgres (${schema ?? 'public'})`,
    capabilities: {
      supportsReturning: true,
      supportsRowLocks: true,
      identityType: 'bigserial',
      blobType: 'bytea',
      maxBindParameters: 65535,
      jsonStorage: 'text',
      reclaimsFileSpace: false,
      streamsBytes: true,
    },
    kysely: new PostgresDialect({ pool }),
    ...(schema === undefined ? {} : { schema }),
    identity: (col: ColumnDefinitionBuilder) => col.primaryKey(),
    classifyError(error: unknown): ConstraintKind | undefined {
      const code = (error as { code?: unknown } | null)?.code;
      return typeof code === 'string' ? PG_CONSTRAINTS[code] : undefined;
    },
    // Autovacuum returns dead tuples' space to the table; VACUUM cannot run inside our transactions.
    async reclaimSpace(): Promise<void> {},
    async prepare(db: Kysely<never>): Promise<void> {
      if (schema !== undefined) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    },
    // Model files are dense binary: pglz rarely wins and costs on every write and read.
    async tuneBlobColumn(db: Kysely<never>, table: string, column: string): Promise<void> {
      await sql`alter table ${sql.table(table)} alter column ${sql.id(column)} set storage external`.execute(db);
    },
    readLargeBytes: (query, opts) => copyOutLargeBytes(pool, query, opts),
    readRowAndLargeBytes: (row, query, opts) => copyOutRowAndLargeBytes(pool, row, query, opts),
  };
}
