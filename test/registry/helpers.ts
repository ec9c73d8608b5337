import { randomBytes } from 'node:crypto';
import type { RegisterModelInput } from '../../src/registry/index.ts';
import type { Store } from '../../src/store/index.ts';
import type { ContractContext } from '../store/backends.ts';

/** Creates a fresh task (labels ham/spam) and returns its id. */
export async function newTask(ctx: ContractContext, store: Store = ctx.store): Promise<string> {
  const id = ctx.unique('task');
  await store.corpus.createTask({ id, labels: ['ham', 'spam'] });
  return id;
}

/** Random bytes standing in for a model file (the registry treats blobs as opaque). */
export const blob = (size = 256): Uint8Array => new Uint8Array(randomBytes(size));

/** A valid registration for a task, with overrides. */
export function modelInput(taskId: string, overrides: Partial<RegisterModelInput> = {}): RegisterModelInput {
  return {
    taskId,
    estimator: 'MultinomialNB',
    hyperparameters: { alpha: 0.5, fitPrior: true },
    buildTimeMs: 12.5,
    score: 0.9,
    scoreMetric: 'f1_macro',
    formatVersion: 1,
    blob: blob(),
    evaluations: [
      { metric: 'f1_macro', label: null, mean: 0.9, std: 0.01, foldValues: [0.89, 0.9, 0.91] },
      { metric: 'precision', label: 'spam', mean: 0.8, std: 0.02, foldValues: [0.78, 0.8, 0.82] },
    ],
    ...overrides,
  };
}
