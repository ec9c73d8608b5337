import type { Command } from 'commander';
import { emit, envInt, intAtLeast, withCommon, withCurator, type CommonOptions } from '../common.ts';
import { loadDemo } from '../demo-setup.ts';
import { buildProgress } from '../progress.ts';
import { outcomeJson, outcomeText } from './train.ts';

interface DemoCommandOptions extends CommonOptions {
  task: string;
  subset?: number;
  folds?: number;
  build: boolean;
}

/** `curator demo`: loads the SpamAssassin demo corpus as a labelled task and builds its first model. */
export function registerDemo(program: Command): void {
  withCommon(
    program
      .command('demo')
      .description('load the SpamAssassin demo corpus (6,046 emails, labelled by the demo user ana) into a task and build the first model')
      .option('--task <id>', 'task id', 'spam')
      .option('--subset <n>', 'load only n emails, spread over the corpus (env CURATOR_DEMO_SUBSET; default all)', intAtLeast(20))
      .option('--folds <k>', 'cross-validation folds (default 12)', intAtLeast(2))
      .option('--no-build', 'load the data only'),
  ).action(async (opts: DemoCommandOptions) => {
    const subset = opts.subset ?? envSubset();
    await withCurator(opts, async (curator) => {
      const loaded = await loadDemo(curator, {
        taskId: opts.task, ...(subset === undefined ? {} : { subset }), ...(opts.folds === undefined ? {} : { folds: opts.folds }),
      });
      if (!opts.build) {
        emit(opts, { loaded }, () => `loaded ${loaded.documents} emails into task '${loaded.taskId}' (ham ${loaded.labels['ham']}, spam ${loaded.labels['spam']})`);
        return;
      }
      const bar = buildProgress(`build ${loaded.taskId}`);
      let outcome;
      try {
        outcome = await curator.build(loaded.taskId, { actor: 'demo', reason: 'initial model of the demo', onProgress: bar.onProgress });
      } finally {
        bar.stop();
      }
      emit(opts, { loaded, build: outcomeJson(outcome) }, () =>
        `loaded ${loaded.documents} emails into task '${loaded.taskId}' (ham ${loaded.labels['ham']}, spam ${loaded.labels['spam']})\n\n${outcomeText(outcome)}`);
    }, { jobs: {} });
  });
}

/** CURATOR_DEMO_SUBSET as a number (at least 20), or undefined. */
export function envSubset(): number | undefined {
  return envInt('CURATOR_DEMO_SUBSET', 20);
}
