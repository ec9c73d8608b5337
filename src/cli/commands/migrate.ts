import type { Command } from 'commander';
import { migrate } from '../../store/index.ts';
import { emit, withCommon, type CommonOptions } from '../common.ts';

/** `curator migrate`: applies pending schema migrations (opening a store does too; this is for deploy scripts). */
export function registerMigrate(program: Command): void {
  withCommon(
    program
      .command('migrate')
      .description('apply pending schema migrations to the database')
      .option('--schema <name>', 'PostgreSQL schema (default: public, or ?schema= in the URL)'),
  ).action(async (opts: CommonOptions & { schema?: string }) => {
    const { applied } = await migrate(opts.db, opts.schema === undefined ? {} : { schema: opts.schema });
    emit(opts, { applied }, () => (applied.length === 0 ? 'schema is up to date' : `applied ${applied.length} migration(s): ${applied.join(', ')}`));
  });
}
