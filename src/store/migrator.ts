import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import { CuratorError } from '../ml/errors.ts';
import type { StoreDialect } from './capabilities.ts';
import { translateError } from './db-errors.ts';
import { allMigrations } from './migrations/index.ts';

/** What `migrate` did: the names of the migrations it applied, in order (empty when up to date). */
export interface MigrationReport {
  readonly applied: readonly string[];
}

/**
 * Brings the schema to the latest migration. Safe to run on every start and from several
 * processes at once (Kysely's migrator takes a lock); each migration runs in its own transaction.
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: StoreDialect): Promise<MigrationReport> {
  try {
    await dialect.prepare?.(db as unknown as Kysely<never>);
  } catch (error) {
    throw translateError(dialect, error);
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => allMigrations(dialect) },
    migrationTableName: 'curator_migrations',
    migrationLockTableName: 'curator_migrations_lock',
    // Kysely looks its tables up across all schemas unless told which one is ours.
    ...(dialect.schema === undefined ? {} : { migrationTableSchema: dialect.schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const translated = translateError(dialect, error);
    if (translated instanceof CuratorError) throw translated;
    const failed = results?.find((r: MigrationResult) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new CuratorError('INVALID_STATE', `migration ${failed} failed on ${dialect.label}: ${String((error as Error).message ?? error)}`, {
      cause: error,
    });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
