import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CuratorError } from '../../ml/errors.ts';
import { emit, scopeText, withCommon, withCurator, type CommonOptions } from '../common.ts';

interface PredictOptions extends CommonOptions {
  task: string;
  file?: string;
  user?: string;
}

/** `curator predict --task <id> <text> | --file <path>`: the selected model's label, logged like any prediction. */
export function registerPredict(program: Command): void {
  withCommon(
    program
      .command('predict')
      .description("predict a text's label with the model the task's selection policy picks (the prediction is logged)")
      .argument('[text]', 'the text (or use --file)')
      .requiredOption('--task <id>', 'the task')
      .option('--file <path>', 'read the text from a file')
      .option('--user <id>', "ask as this user (their own and their groups' models take part)"),
  ).action(async (text: string | undefined, opts: PredictOptions) => {
    if ((text === undefined) === (opts.file === undefined)) {
      throw new CuratorError('INVALID_ARGUMENT', 'give the text as an argument or --file <path>, not both and not neither', { field: 'text' });
    }
    let input = text ?? '';
    if (opts.file !== undefined) {
      try {
        input = readFileSync(opts.file, 'utf8');
      } catch {
        throw new CuratorError('NOT_FOUND', `cannot read ${opts.file}`, { field: 'file' });
      }
    }
    if (input.trim() === '') throw new CuratorError('INVALID_ARGUMENT', 'the text is empty', { field: 'text' });
    await withCurator(opts, async (curator) => {
      const answer = await curator.predict(opts.task, input, opts.user === undefined ? {} : { userId: opts.user });
      await curator.flush();
      emit(opts, { ...answer, scope: scopeText(answer.scope) }, () => {
        const probs = Object.entries(answer.probabilities).map(([l, p]) => `${l} ${p.toFixed(4)}`).join(', ');
        return `${answer.label}  (${probs}; model #${answer.modelId}, ${scopeText(answer.scope)}, ${answer.policy}; prediction ${answer.predictionId})`;
      });
    });
  });
}
