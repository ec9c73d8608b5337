import { CuratorError } from '../errors.ts';
import type { DenseMatrix } from '../dense/dense-matrix.ts';
import { accuracyScore } from './accuracy.ts';
import type { Label } from './labels.ts';
import { logLoss } from './log-loss.ts';
import { precisionRecallFscoreSupport, type Average } from './precision-recall-f.ts';
import { rocAucScore } from './roc-auc.ts';

/** Which output of the estimator a scorer reads. */
export type ScorerNeeds = 'predict' | 'proba' | 'decision';

/**
 * What a scorer needs from a fitted estimator: `predict`, and `predictProba` / `decisionFunction`
 * for scorers that read them. A Classifier and a Pipeline over texts both fit.
 */
export interface ScorableEstimator<X = never> {
  predict(X: X): readonly Label[];
  predictProba?(X: X): DenseMatrix;
  decisionFunction?(X: X): DenseMatrix;
  /** Sorted classes seen in fit (column order of predictProba); used to name probability columns. */
  readonly classes?: readonly Label[];
  readonly kind?: string;
}

/**
 * An estimator's outputs on one X, each computed at most once, so several scorers on the same
 * fold share one predict (and one predictProba) call.
 */
export class Predictions<X = never> {
  private pred?: readonly Label[];
  private prob?: DenseMatrix;
  private dec?: DenseMatrix;

  constructor(readonly estimator: ScorableEstimator<X>, readonly X: X) {}

  predict(): readonly Label[] {
    return (this.pred ??= this.estimator.predict(this.X));
  }

  proba(scorer: string): DenseMatrix {
    if (this.prob) return this.prob;
    if (typeof this.estimator.predictProba !== 'function') {
      throw new CuratorError('INVALID_ARGUMENT', `Scorer '${scorer}' needs predictProba, which ${this.estimator.kind ?? 'this estimator'} does not have.`, { field: 'scoring' });
    }
    return (this.prob = this.estimator.predictProba(this.X));
  }

  /** decisionFunction where the estimator has one, else predictProba (scikit-learn's threshold scorers). */
  decision(scorer: string): { values: DenseMatrix; isProba: boolean } {
    if (this.dec) return { values: this.dec, isProba: false };
    if (typeof this.estimator.decisionFunction === 'function') {
      return { values: (this.dec = this.estimator.decisionFunction(this.X)), isProba: false };
    }
    if (typeof this.estimator.predictProba !== 'function') {
      throw new CuratorError('INVALID_ARGUMENT', `Scorer '${scorer}' needs decisionFunction or predictProba, which ${this.estimator.kind ?? 'this estimator'} does not have.`, { field: 'scoring' });
    }
    return { values: this.proba(scorer), isProba: true };
  }
}

type ScoreFn = (p: Predictions<unknown>, yTrue: readonly Label[]) => number;

/**
 * Turns a metric into "score this fitted estimator on (X, yTrue)", knowing which output it reads
 * and whether bigger is better. Like scikit-learn's scorers, a loss is returned negated
 * (`neg_log_loss`), so a larger score is always better for model selection.
 */
export class Scorer {
  constructor(
    readonly name: string,
    readonly greaterIsBetter: boolean,
    readonly needs: ScorerNeeds,
    private readonly fn: ScoreFn,
  ) {}

  /** The signed score of a fitted estimator on (X, yTrue). */
  score<X>(estimator: ScorableEstimator<X>, X: X, yTrue: readonly Label[]): number {
    return this.scorePredictions(new Predictions(estimator, X), yTrue);
  }

  /** The signed score from shared predictions (see {@link Predictions}). */
  scorePredictions<X>(predictions: Predictions<X>, yTrue: readonly Label[]): number {
    const v = this.fn(predictions as Predictions<unknown>, yTrue);
    if (typeof v !== 'number') {
      throw new CuratorError('INVALID_ARGUMENT', `Scorer '${this.name}': the metric returned ${Object.prototype.toString.call(v)}, not a number (an average of null?).`, { field: 'scoring' });
    }
    return this.greaterIsBetter ? v : -v;
  }
}

/** Options of {@link makeScorer} (the metric's own options go in its second argument). */
export interface MakeScorerOptions {
  /** false for losses: the scorer returns the negated metric. Default true. */
  greaterIsBetter?: boolean;
  /** 'predict' (default): labels; 'proba': the predictProba matrix; 'decision': see {@link thresholdScores}. */
  needs?: ScorerNeeds;
  /** Default: the metric function's name. */
  name?: string;
}

/**
 * The values a 'decision' scorer passes: for two classes one score per sample for classes[1]
 * (the decision column, or P(classes[1])); for more, the whole matrix.
 */
function thresholdScores(p: Predictions<unknown>, name: string, posLabel?: Label): Float64Array | DenseMatrix {
  const { values, isProba } = p.decision(name);
  if (values.nCols === 1) return values.data;
  if (isProba && values.nCols === 2) {
    const classes = p.estimator.classes;
    const j = posLabel !== undefined && classes ? classes.indexOf(posLabel) : 1;
    if (j < 0) throw new CuratorError('INVALID_ARGUMENT', `Scorer '${name}': posLabel ${JSON.stringify(posLabel)} is not one of the estimator's classes.`, { field: 'posLabel' });
    const out = new Float64Array(values.nRows);
    for (let i = 0; i < out.length; i++) out[i] = values.data[i * 2 + j]!;
    return out;
  }
  return values;
}

/**
 * A scorer from a metric `(yTrue, yPred, options) => number` and the metric's options, as
 * scikit-learn's `make_scorer`.
 *
 * @example
 *   const f1Spam = makeScorer(f1Score, { posLabel: 'spam', zeroDivision: 0 });
 *   const nll = makeScorer(logLoss, {}, { needs: 'proba', greaterIsBetter: false });
 */
export function makeScorer<Y, O>(metric: (yTrue: readonly string[], yPred: Y, options: O) => number, metricOptions?: O, options: MakeScorerOptions = {}): Scorer {
  if (typeof metric !== 'function') throw new CuratorError('INVALID_ARGUMENT', 'makeScorer: metric must be a function.', { field: 'metric' });
  const needs = options.needs ?? 'predict';
  if (!['predict', 'proba', 'decision'].includes(needs)) {
    throw new CuratorError('INVALID_ARGUMENT', `makeScorer: needs must be "predict", "proba" or "decision". Got ${JSON.stringify(needs)} instead.`, { field: 'needs' });
  }
  const name = options.name ?? (metric.name || 'metric');
  const kw = (metricOptions ?? {}) as O;
  const get = (p: Predictions<unknown>): unknown =>
    needs === 'predict' ? p.predict() : needs === 'proba' ? p.proba(name) : thresholdScores(p, name, (kw as { posLabel?: Label }).posLabel);
  return new Scorer(name, options.greaterIsBetter ?? true, needs, (p, y) => metric(y as readonly string[], get(p) as Y, kw));
}

function prfScorer(name: string, pick: 'precision' | 'recall' | 'fScore', average: Average): Scorer {
  return new Scorer(name, true, 'predict', (p, y) => {
    // For 'binary', the positive class is the estimator's classes[1], as its decision function's.
    const classes = p.estimator.classes;
    const posLabel = average === 'binary' && classes && classes.length === 2 ? classes[1] : undefined;
    return precisionRecallFscoreSupport(y, p.predict(), { average, posLabel }, name)[pick] as number;
  });
}

function rocScorer(name: string, average: 'macro' | 'weighted', multi: boolean): Scorer {
  return new Scorer(name, true, multi ? 'proba' : 'decision', (p, y) => {
    const classes = p.estimator.classes;
    if (!multi) {
      const s = thresholdScores(p, name);
      if (!(s instanceof Float64Array)) {
        throw new CuratorError('INVALID_ARGUMENT', `Scorer '${name}' is for two classes; the estimator has ${s.nCols}. Use 'roc_auc_ovr' for multiclass.`, { field: 'scoring' });
      }
      return rocAucScore(y, s);
    }
    return rocAucScore(y, p.proba(name), { multiClass: 'ovr', average, labels: classes ? [...classes] : undefined });
  });
}

const FACTORIES: Record<string, () => Scorer> = {
  accuracy: () => new Scorer('accuracy', true, 'predict', (p, y) => accuracyScore(y, p.predict())),
  roc_auc: () => rocScorer('roc_auc', 'macro', false),
  roc_auc_ovr: () => rocScorer('roc_auc_ovr', 'macro', true),
  roc_auc_ovr_weighted: () => rocScorer('roc_auc_ovr_weighted', 'weighted', true),
  neg_log_loss: () =>
    new Scorer('neg_log_loss', false, 'proba', (p, y) => {
      const classes = p.estimator.classes;
      return logLoss(y, p.proba('neg_log_loss'), { labels: classes ? [...classes] : undefined });
    }),
};
for (const [metric, pick] of [['precision', 'precision'], ['recall', 'recall'], ['f1', 'fScore']] as const) {
  FACTORIES[metric] = () => prfScorer(metric, pick, 'binary');
  for (const avg of ['macro', 'micro', 'weighted'] as const) FACTORIES[`${metric}_${avg}`] = () => prfScorer(`${metric}_${avg}`, pick, avg);
}

/** The names {@link getScorer} knows (scikit-learn's scorer names). */
export const SCORER_NAMES: readonly string[] = Object.keys(FACTORIES);

/**
 * A built-in scorer by scikit-learn's name: 'accuracy', 'precision' | 'recall' | 'f1' (binary,
 * positive = the estimator's classes[1]) and their '_macro' | '_micro' | '_weighted' variants,
 * 'roc_auc' (binary), 'roc_auc_ovr', 'roc_auc_ovr_weighted', 'neg_log_loss'.
 *
 * @example
 *   getScorer('f1_macro').score(clf, Xtest, yTest);
 */
export function getScorer(name: string): Scorer {
  const make = Object.prototype.hasOwnProperty.call(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (!make) {
    throw new CuratorError('INVALID_ARGUMENT', `Unknown scorer ${JSON.stringify(name)}. Known scorers: ${SCORER_NAMES.join(', ')}.`, { field: 'scoring' });
  }
  return make();
}
