import type { Command } from 'commander';
import { CuratorError } from '../../ml/errors.ts';
import { emit, withCommon, type CommonOptions } from '../common.ts';

/** `curator migrate`: applies pending schema migrations (opening a store does too; this is for deploy scripts). */
export function registerMigrate(program: Command): void {
  withCommon(
    program
      .command('migrate')
      .description('apply pending schema migrations to the database')
      .option('--schema <name>', 'PostgreSQL schema (default: public, or ?schema= in the URL)'),
  ).action(async (opts: CommonOptions & { schema?: string }) => {
    let applied: readonly string[];
    const { migrate } = await import('../../store/index.ts');
    try {
      ({ applied } = await migrate(opts.db, opts.schema === undefined ? {} : { schema: opts.schema }));
    } catch (error) {
      if (error instanceof CuratorError) throw error;
      throw new CuratorError('STORE_UNAVAILABLE', `cannot open the database ${opts.db}: ${error instanceof Error ? error.message : String(error)}`, { field: 'db', cause: error });
    }
    emit(opts, { applied }, () => (applied.length === 0 ? 'schema is up to date' : `applied ${applied.length} migration(s): ${applied.join(', ')}`));
  });
}
