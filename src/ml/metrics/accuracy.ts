import { checkOptionKeys, checkPair, type Label } from './labels.ts';

/** Options of {@link accuracyScore}. */
export interface AccuracyOptions {
  /** true (default): the fraction correct; false: the number correct. */
  normalize?: boolean;
}

/**
 * The fraction (or number) of samples whose predicted label equals the true one, as scikit-learn's
 * `accuracy_score`.
 *
 * @example
 *   accuracyScore(['spam', 'ham', 'ham'], ['spam', 'spam', 'ham']); // 0.666…
 */
export function accuracyScore(yTrue: readonly Label[], yPred: readonly Label[], options: AccuracyOptions = {}): number {
  checkOptionKeys('accuracyScore', options, ['normalize']);
  checkPair('accuracyScore', yTrue, yPred);
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return options.normalize === false ? correct : correct / yTrue.length;
}
