import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerDemo } from './commands/demo.ts';
import { registerFeedback } from './commands/feedback.ts';
import { registerGroups } from './commands/groups.ts';
import { registerImport } from './commands/import.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerModels } from './commands/models.ts';
import { registerMonitor } from './commands/monitor.ts';
import { registerPredict } from './commands/predict.ts';
import { registerServe } from './commands/serve.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerTokens } from './commands/tokens.ts';
import { registerTrain } from './commands/train.ts';
import { registerUsers } from './commands/users.ts';
import { registerWorker } from './commands/worker.ts';
import { EXIT_CODES_HELP } from './exit-codes.ts';
import { reportError } from './report-error.ts';

/**
 * The `curator` command line: every command, with `--help`, `--db`, `--json` and the exit codes
 * of exit-codes.ts. Commander's own errors (unknown option, missing argument) exit 2.
 *
 * @example await createProgram().parseAsync(['node', 'curator', 'models', 'ls', '--json']);
 */
export function createProgram(): Command {
  const program = new Command('curator')
    .description('Curator: a model management system — corpus, builds with cross-validation, registry, selection, decay monitoring')
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText('afterAll', EXIT_CODES_HELP);
  // subcommands made with .command() inherit exitOverride and the output settings
  registerServe(program);
  registerWorker(program);
  registerMigrate(program);
  registerTasks(program);
  registerImport(program);
  registerTrain(program);
  registerModels(program);
  registerPredict(program);
  registerFeedback(program);
  registerMonitor(program);
  registerDemo(program);
  registerUsers(program);
  registerGroups(program);
  registerTokens(program);
  return program;
}

/** Runs the CLI on `argv` (without node and the script) and answers the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    const program = createProgram();
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, json);
  }
}

/** The version in package.json (one place to change it). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
