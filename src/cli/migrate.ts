/**
 * `curator migrate`: applies pending schema migrations to the database a URL names.
 *
 * @example npx tsx src/cli/migrate.ts --db sqlite:./data/curator.db
 * @example npx tsx src/cli/migrate.ts --db postgres://postgres@127.0.0.1:5432/test --schema curator
 */
import { parseArgs } from 'node:util';
import { CuratorError } from '../ml/errors.ts';
import { migrate } from '../store/index.ts';

const USAGE = 'usage: curator migrate [--db <sqlite:path | sqlite::memory: | postgres://…>] [--schema <name>]';

async function main(argv: string[]): Promise<number> {
  let values: { db?: string; schema?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { db: { type: 'string' }, schema: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const url = values.db ?? process.env.CURATOR_DB ?? 'sqlite:./data/curator.db';
  try {
    const { applied } = await migrate(url, values.schema === undefined ? {} : { schema: values.schema });
    console.log(applied.length === 0 ? 'schema is up to date' : `applied ${applied.length} migration(s): ${applied.join(', ')}`);
    return 0;
  } catch (error) {
    if (error instanceof CuratorError) {
      console.error(`migrate failed [${error.code}]: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
