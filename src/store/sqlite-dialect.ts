import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, sql, SqliteDialect, type ColumnDefinitionBuilder, type DatabaseConnection, type Dialect, type Driver, type Kysely } from 'kysely';
import type { ConstraintKind, StoreDialect } from './capabilities.ts';

const SQLITE_CONSTRAINTS: Record<string, ConstraintKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_NOTNULL: 'not_null',
};

/**
 * The embedded backend: one SQLite file (or `:memory:`) through better-sqlite3.
 * WAL lets readers run beside the writer; `synchronous = FULL` makes every commit durable,
 * which is why writers batch rows into one transaction.
 *
 * @example const dialect = createSqliteDialect('./data/curator.db');
 */
export function createSqliteDialect(path: string): StoreDialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  // page_size and auto_vacuum only take effect on a new file; they must come before the first table.
  // 16 KiB pages: a model blob spans a quarter of the overflow pages it would at 4 KiB, which
  // makes reading a 7 MB model ~4x faster (bench/store-bench.ts); rows are small either way.
  database.pragma('page_size = 16384');
  database.pragma('auto_vacuum = INCREMENTAL');
  if (path !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  // A build worker and the serving thread share the file; on a loaded 2-core machine one writer
  // can wait more than 5 s for the other's commit (a "database is locked" seen in the jobs suite
  // when every suite ran together), so wait up to 20 s before reporting the store busy.
  database.pragma('busy_timeout = 20000');
  return {
    label: path === ':memory:' ? 'sqlite (memory)' : `sqlite (${path})`,
    capabilities: {
      supportsReturning: true,
      supportsRowLocks: false,
      identityType: 'integer',
      blobType: 'blob',
      maxBindParameters: 32766,
      jsonStorage: 'text',
      reclaimsFileSpace: true,
      streamsBytes: false,
    },
    kysely: immediateTransactions(new SqliteDialect({ database: cachingStatements(database) })),
    identity: (col: ColumnDefinitionBuilder) => col.primaryKey().autoIncrement(),
    classifyError(error: unknown): ConstraintKind | undefined {
      const code = (error as { code?: unknown } | null)?.code;
      return typeof code === 'string' ? SQLITE_CONSTRAINTS[code] : undefined;
    },
    async reclaimSpace(db: Kysely<never>): Promise<void> {
      await sql`PRAGMA incremental_vacuum`.execute(db);
    },
  };
}

/** Statements kept prepared per connection (the SQL texts the store issues repeatedly are far fewer). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Reuses prepared statements by SQL text. Kysely's SQLite driver prepares every query anew, and
 * preparing is most of the cost of a small insert (SQLite parses and plans the text each time):
 * the prediction log's writer thread runs the same insert thousands of times a second. A
 * statement still iterating (a streamed query) is busy and cannot be re-run, so it is never
 * handed out twice; a fresh one is prepared instead.
 */
export function cachingStatements(database: BetterSqlite3.Database): { prepare(sql: string): BetterSqlite3.Statement; close(): void } {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    prepare(sql: string): BetterSqlite3.Statement {
      const cached = cache.get(sql);
      if (cached !== undefined && !cached.busy) {
        // Map order is insertion order: moving a hit to the end keeps the least recently used first.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (cached === undefined) {
        cache.set(sql, statement);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
    close: () => {
      cache.clear();
      database.close();
    },
  };
}

/**
 * Makes every transaction `BEGIN IMMEDIATE`. A deferred transaction starts as a reader; when it
 * later writes after another connection (a build worker) committed, WAL answers SQLITE_BUSY at
 * once without calling the busy handler (its snapshot is stale), so busy_timeout cannot help and
 * the caller sees "database is locked". Taking the write lock at BEGIN makes it wait instead.
 */
function immediateTransactions(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver(): Driver {
      const driver = dialect.createDriver();
      return {
        init: () => driver.init(),
        acquireConnection: () => driver.acquireConnection(),
        async beginTransaction(connection: DatabaseConnection): Promise<void> {
          await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        },
        commitTransaction: (connection) => driver.commitTransaction(connection),
        rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
        releaseConnection: (connection) => driver.releaseConnection(connection),
        destroy: () => driver.destroy(),
      };
    },
  };
}
