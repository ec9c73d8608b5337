import type { ParamTable } from '../base/params.ts';
import type { Classifier, ModelState } from '../base/types.ts';
import { DiscreteNB, DISCRETE_NB_TABLE, type DiscreteNBParams } from './discrete-nb.ts';
import { numpySum } from './nb-math.ts';

/** Parameters of MultinomialNB (scikit-learn's names in camelCase, same defaults). */
export type MultinomialNBParams = DiscreteNBParams;

const TABLE: ParamTable<MultinomialNBParams> = { ...DISCRETE_NB_TABLE };

/**
 * Multinomial naive Bayes, computed exactly as scikit-learn 1.2's MultinomialNB:
 * weights log((count + alpha) / Σ(count + alpha)) per class, score X · weightsᵀ + log prior.
 * Features must be non-negative (counts or tf-idf). Supports partialFit for incremental training.
 *
 * @example
 *   const nb = new MultinomialNB({ alpha: 0.1 }).fit(Xtrain, ytrain);
 *   nb.predict(Xtest); nb.predictProba(Xtest).get(0, 1); // P(classes[1] | first document)
 */
export class MultinomialNB extends DiscreteNB<MultinomialNBParams> implements Classifier {
  constructor(params: Partial<MultinomialNBParams> = {}) {
    super('MultinomialNB', TABLE, params);
  }

  protected featureLogProbFrom(featureCount: Float64Array, nClasses: number, d: number, alpha: number): Float64Array {
    const out = new Float64Array(nClasses * d);
    for (let c = 0; c < nClasses; c++) {
      const base = c * d;
      for (let j = 0; j < d; j++) out[base + j] = featureCount[base + j]! + alpha;
      const logTotal = Math.log(numpySum(out, base, d));
      for (let j = base; j < base + d; j++) out[j] = Math.log(out[j]!) - logTotal;
    }
    return out;
  }

  protected usesPrior(): boolean {
    return true;
  }

  /** Rebuilds a fitted MultinomialNB from toState()'s output. */
  static fromState(state: ModelState): MultinomialNB {
    return DiscreteNB.restore((p) => new MultinomialNB(p as Partial<MultinomialNBParams>), 'MultinomialNB', state);
  }
}
