import type { Command } from 'commander';
import { emit, withCommon, withCurator, type CommonOptions } from '../common.ts';

interface FeedbackOptions extends CommonOptions {
  task: string;
  label: string;
  user?: string;
}

/** `curator feedback <predictionId> --task <id> --label <label>`: the true label of a logged prediction (feeds the decay monitor). */
export function registerFeedback(program: Command): void {
  withCommon(
    program
      .command('feedback')
      .description('record the true label of a logged prediction (what `predict` answered with); it feeds the decay monitor')
      .argument('<predictionId>', 'the predictionId that predict printed')
      .requiredOption('--task <id>', 'the task')
      .requiredOption('--label <label>', 'the true label')
      .option('--user <id>', 'who says so'),
  ).action(async (predictionId: string, opts: FeedbackOptions) => {
    await withCurator(opts, async (curator) => {
      const f = await curator.feedback(opts.task, { predictionId, label: opts.label, ...(opts.user === undefined ? {} : { userId: opts.user }) });
      emit(opts, { id: f.id, predictionId, label: f.label, userId: f.userId, createdAt: f.createdAt.toISOString() }, () => `feedback recorded: prediction ${predictionId} is '${f.label}'`);
    });
  });
}
