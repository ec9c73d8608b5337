import { is, type ParamTable } from '../base/params.ts';
import type { Classifier, ModelState } from '../base/types.ts';
import { DiscreteNB, DISCRETE_NB_TABLE, type DiscreteNBParams } from './discrete-nb.ts';
import { numpySum } from './nb-math.ts';

/** Parameters of ComplementNB (scikit-learn's names in camelCase, same defaults). */
export type ComplementNBParams = DiscreteNBParams & {
  /** Second normalization of the weights (Rennie et al.'s full algorithm); off by default, like Mahout and Weka. */
  norm: boolean;
};

const TABLE: ParamTable<ComplementNBParams> = { ...DISCRETE_NB_TABLE, norm: { default: false, allowed: [is.bool()] } };

/**
 * Complement naive Bayes (Rennie et al. 2003), computed exactly as scikit-learn 1.2's ComplementNB:
 * each class is weighed by the smoothed counts of all the *other* classes, which suits imbalanced
 * text. As in scikit-learn, class priors are computed (classLogPrior) but do not enter the scores
 * when there are two or more classes, so fitPrior and classPrior do not change predictions.
 *
 * @example
 *   const nb = new ComplementNB({ norm: true }).fit(Xtrain, ytrain);
 *   nb.predict(Xtest);
 */
export class ComplementNB extends DiscreteNB<ComplementNBParams> implements Classifier {
  constructor(params: Partial<ComplementNBParams> = {}) {
    super('ComplementNB', TABLE, params);
  }

  protected featureLogProbFrom(featureCount: Float64Array, nClasses: number, d: number, alpha: number): Float64Array {
    // feature_all_ sums the classes in order, as numpy does along the outer axis
    const all = new Float64Array(d);
    for (let c = 0; c < nClasses; c++) for (let j = 0; j < d; j++) all[j]! += featureCount[c * d + j]!;
    const out = new Float64Array(nClasses * d);
    for (let c = 0; c < nClasses; c++) {
      const base = c * d;
      for (let j = 0; j < d; j++) out[base + j] = all[j]! + alpha - featureCount[base + j]!;
      const total = numpySum(out, base, d);
      for (let j = base; j < base + d; j++) out[j] = Math.log(out[j]! / total);
      if (this.params.norm) {
        const summed = numpySum(out, base, d);
        for (let j = base; j < base + d; j++) out[j] = out[j]! / summed;
      } else {
        // scikit-learn's predict takes the argmax, so the complement log probabilities are negated
        for (let j = base; j < base + d; j++) out[j] = -out[j]!;
      }
    }
    return out;
  }

  protected usesPrior(): boolean {
    return false;
  }

  /** Rebuilds a fitted ComplementNB from toState()'s output. */
  static fromState(state: ModelState): ComplementNB {
    return DiscreteNB.restore((p) => new ComplementNB(p as Partial<ComplementNBParams>), 'ComplementNB', state);
  }
}
