import { CuratorError } from '../errors.ts';
import { checkLabelList, checkOptionKeys, checkTargets, presentToLabels, type Label } from './labels.ts';

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /** Row/column labels and their order (default: sorted yTrue ∪ yPred). Samples with other labels are left out. */
  labels?: readonly Label[];
  /** Divide by row sums ('true'), column sums ('pred') or the total ('all'); empty rows become 0. */
  normalize?: 'true' | 'pred' | 'all' | null;
}

/** The confusion matrix with the labels of its rows (true) and columns (predicted). */
export interface ConfusionMatrixResult {
  labels: Label[];
  /** matrix[i][j]: number of samples of true label i predicted as label j (or its normalized share). */
  matrix: number[][];
}

/**
 * Counts of (true, predicted) label pairs, as scikit-learn's `confusion_matrix`: rows are true
 * labels, columns predicted labels.
 *
 * @example
 *   confusionMatrix(['ham', 'spam', 'spam'], ['ham', 'ham', 'spam']).matrix; // [[1, 0], [1, 1]]
 */
export function confusionMatrix(yTrue: readonly Label[], yPred: readonly Label[], options: ConfusionMatrixOptions = {}): ConfusionMatrixResult {
  const owner = 'confusionMatrix';
  checkOptionKeys(owner, options, ['labels', 'normalize']);
  const normalize = options.normalize ?? null;
  if (!['true', 'pred', 'all', null].includes(normalize)) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: normalize must be one of "true", "pred", "all", null. Got ${JSON.stringify(normalize)} instead.`, { field: 'normalize' });
  }
  const t = checkTargets(owner, yTrue, yPred);
  let labels = checkLabelList(owner, options.labels, t.present);
  if (labels !== undefined) {
    if (labels.length === 0) throw new CuratorError('INVALID_ARGUMENT', `${owner}: labels must hold at least one label.`, { field: 'labels' });
    const inTrue = new Set(yTrue);
    if (!labels.some((l) => inTrue.has(l))) {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: none of the labels ${JSON.stringify(labels)} occurs in yTrue; at least one must.`, { field: 'labels' });
    }
  } else {
    labels = t.present;
  }
  const n = labels.length;
  const map = presentToLabels(t.present, labels);
  const counts = new Float64Array(n * n);
  for (let i = 0; i < t.trueCodes.length; i++) {
    const a = map[t.trueCodes[i]!]!;
    const b = map[t.predCodes[i]!]!;
    if (a >= 0 && b >= 0) counts[a * n + b]!++;
  }
  const matrix: number[][] = [];
  for (let i = 0; i < n; i++) matrix.push(Array.from(counts.subarray(i * n, (i + 1) * n)));
  if (normalize !== null) normalizeInPlace(matrix, normalize);
  return { labels, matrix };
}

function normalizeInPlace(m: number[][], how: 'true' | 'pred' | 'all'): void {
  const n = m.length;
  const rowSum = m.map((r) => r.reduce((a, b) => a + b, 0));
  const colSum = Array.from({ length: n }, (_, j) => m.reduce((a, r) => a + r[j]!, 0));
  const total = rowSum.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = how === 'true' ? rowSum[i]! : how === 'pred' ? colSum[j]! : total;
      // scikit-learn divides and then maps the NaN of 0/0 to 0.
      m[i]![j] = d === 0 ? 0 : m[i]![j]! / d;
    }
  }
}
