import { CuratorError } from '../ml/errors.ts';
import type { Evaluation } from '../store/index.ts';

/*
 * A build's confusion matrices live in the evaluations table, one row per (true label,
 * predicted label) cell, so no schema change was needed:
 * - metric `confusion`: the out-of-fold matrix of the cross-validation. `foldValues[k]` counts
 *   the documents of fold k's held-out part with that true label predicted as that label; the
 *   cell's count is their sum (mean/std are over folds, like every other CV row).
 * - metric `full_confusion`: the fitted model on the full dataset (like the other `full_*`
 *   rows), one value, the count.
 * The label column holds the pair as JSON, `["ham","spam"]` (true, predicted): unambiguous for
 * any label text. Every cell is stored, zeros included, so the label set is the rows' labels.
 */

/** The metric of the out-of-fold (cross-validation) confusion matrix rows. */
export const CV_CONFUSION = 'confusion';
/** The metric of the full-dataset confusion matrix rows. */
export const FULL_CONFUSION = 'full_confusion';
/** Tasks with more labels than this get no confusion rows (the rows grow as labels²). */
export const MAX_CONFUSION_LABELS = 30;

/** A confusion matrix as a build registered it: rows are true labels, columns predicted labels. */
export interface BuildConfusion {
  readonly labels: string[];
  readonly matrix: number[][];
  /** 'cv': summed over the held-out parts of the folds (every document predicted by a model that never saw it); 'full': the final model on the full dataset. */
  readonly source: 'cv' | 'full';
}

/** The evaluation label of one cell. */
export function confusionCell(trueLabel: string, predicted: string): string {
  return JSON.stringify([trueLabel, predicted]);
}

/** The (true, predicted) pair of a cell's label, or undefined when it is not one. */
export function parseConfusionCell(label: string | null): [string, string] | undefined {
  if (label === null) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(label);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'string' && x.trim() !== '')) return undefined;
  return [v[0] as string, v[1] as string];
}

/** Whether an evaluation is a confusion-matrix cell (either source). */
export function isConfusionMetric(metric: string): boolean {
  return metric === CV_CONFUSION || metric === FULL_CONFUSION;
}

/** The `full_confusion` rows of a matrix (every cell, zeros included). */
export function fullConfusionEvaluations(labels: readonly string[], matrix: readonly (readonly number[])[]): Evaluation[] {
  if (labels.length > MAX_CONFUSION_LABELS) return [];
  return labels.flatMap((t, i) => labels.map((p, j) => {
    const n = matrix[i]?.[j] ?? 0;
    return { metric: FULL_CONFUSION, label: confusionCell(t, p), mean: n, std: 0, foldValues: [n] };
  }));
}

/**
 * Checks a confusion cell at registration: a (true, predicted) label pair and counts that are
 * non-negative integers. `field` names the evaluation (`evaluations[3]`).
 */
export function checkConfusionCell(fn: string, field: string, e: Evaluation): void {
  if (parseConfusionCell(e.label) === undefined) {
    throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${field}.label of a '${e.metric}' evaluation must be a JSON pair of labels ["true", "predicted"]; got ${JSON.stringify(e.label)}`, { field: `${field}.label` });
  }
  e.foldValues.forEach((x, j) => {
    if (!Number.isSafeInteger(x) || x < 0) {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${field}.foldValues[${j}] of a '${e.metric}' evaluation must be a count (an integer ≥ 0); got ${JSON.stringify(x)}`, { field: `${field}.foldValues[${j}]` });
    }
  });
}

/**
 * A model's confusion matrix from its evaluations: the out-of-fold one when the build recorded
 * it (the honest estimate: no document is predicted by a model that trained on it), else the
 * full-dataset one; null when there is neither (models registered before, or by hand without).
 */
export function confusionOf(evaluations: readonly Evaluation[], source?: 'cv' | 'full'): BuildConfusion | null {
  for (const s of source === undefined ? (['cv', 'full'] as const) : [source]) {
    const metric = s === 'cv' ? CV_CONFUSION : FULL_CONFUSION;
    const cells: { t: string; p: string; n: number }[] = [];
    for (const e of evaluations) {
      if (e.metric !== metric) continue;
      const pair = parseConfusionCell(e.label);
      if (pair !== undefined) cells.push({ t: pair[0], p: pair[1], n: e.foldValues.reduce((a, b) => a + b, 0) });
    }
    if (cells.length === 0) continue;
    const labels = [...new Set(cells.flatMap((c) => [c.t, c.p]))].sort();
    const at = new Map(labels.map((l, i) => [l, i]));
    const matrix = labels.map(() => labels.map(() => 0));
    for (const c of cells) matrix[at.get(c.t)!]![at.get(c.p)!]! += c.n;
    return { labels, matrix, source: s };
  }
  return null;
}
