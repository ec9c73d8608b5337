import { LinearClassifier } from './linear-classifier.ts';
import { checkFitInput } from '../base/labels.ts';
import { is, type ParamTable } from '../base/params.ts';
import type { Classifier, ModelState } from '../base/types.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import { rowSquaredNorms, solveDualCd } from './dual-cd.ts';
import { outputCount, readLinearState } from './linear-model.ts';
import { LinearRandom } from './random.ts';

/** Parameters of LinearSVC (scikit-learn's names in camelCase, same defaults). */
export type LinearSVCParams = {
  /** Inverse regularization strength. */
  C: number;
  loss: 'squared_hinge' | 'hinge';
  /** Only 'l2' (liblinear's L1-regularized solver is not offered). */
  penalty: 'l2';
  /** Only the dual solver is offered; it suits text (more features than documents). */
  dual: true;
  /** Stop when the spread of projected gradients falls to this. */
  tol: number;
  maxIter: number;
  fitIntercept: boolean;
  /** Value of the synthetic constant feature whose weight becomes the intercept (it is regularized). */
  interceptScaling: number;
  /** Seed of the per-pass random order of the coordinates (scikit-learn's default is unseeded). */
  randomState: number;
};

const TABLE: ParamTable<LinearSVCParams> = {
  C: { default: 1.0, allowed: [is.float({ min: 0, minExclusive: true })] },
  loss: { default: 'squared_hinge', allowed: [is.oneOf('squared_hinge', 'hinge')] },
  penalty: { default: 'l2', allowed: [is.oneOf('l2')] },
  dual: { default: true, allowed: [is.oneOf(true)] },
  tol: { default: 1e-4, allowed: [is.float({ min: 0, minExclusive: true })] },
  maxIter: { default: 1000, allowed: [is.int({ min: 1 })] },
  fitIntercept: { default: true, allowed: [is.bool()] },
  interceptScaling: { default: 1, allowed: [is.float({ min: 0, minExclusive: true })] },
  randomState: { default: 0, allowed: [is.int({ min: 0 })] },
};

/**
 * Linear support vector classifier trained like scikit-learn's LinearSVC (liblinear's dual
 * coordinate descent), one-vs-rest for more than two classes. The solution is the same optimum as
 * scikit-learn's; only the random coordinate order differs, so results agree to the solver's tol.
 *
 * @example
 *   const svc = new LinearSVC({ C: 1.0 }).fit(Xtrain, ytrain);
 *   svc.predict(Xtest); svc.decisionFunction(Xtest); // one column for two classes
 */
export class LinearSVC extends LinearClassifier<LinearSVCParams> implements Classifier {
  /** Outer iterations of the slowest one-vs-rest problem in the last fit (scikit-learn's n_iter_). */
  nIter_ = 0;

  constructor(params: Partial<LinearSVCParams> = {}) {
    super('LinearSVC', TABLE, params);
  }

  fit(X: CsrMatrix, y: readonly string[]): this {
    const { classes, codes } = checkFitInput('LinearSVC.fit', X, y);
    const p = this.params;
    const d = X.nCols;
    const k = outputCount(classes.length);
    const coef = new Float64Array(k * d);
    const intercept = new Float64Array(k);
    const sqNorms = rowSquaredNorms(X);
    const sign = new Int8Array(X.nRows);
    const rng = new LinearRandom(p.randomState);
    const bias = p.fitIntercept ? p.interceptScaling : 0;
    let nIter = 0;
    for (let c = 0; c < k; c++) {
      const positive = k === 1 ? 1 : c;
      for (let i = 0; i < X.nRows; i++) sign[i] = codes[i] === positive ? 1 : -1;
      const w = coef.subarray(c * d, (c + 1) * d);
      const [wb, iters] = solveDualCd(X, sign, sqNorms, { C: p.C, loss: p.loss, tol: p.tol, maxIter: p.maxIter, bias, rng }, w);
      intercept[c] = wb * bias;
      if (iters > nIter) nIter = iters;
    }
    this.nIter_ = nIter;
    this.weights_ = { classes, nFeatures: d, coef, intercept };
    return this;
  }

  override toState(): ModelState {
    const s = super.toState();
    s.meta.nIter = this.nIter_;
    return s;
  }

  /** Rebuilds a fitted LinearSVC from toState()'s output. */
  static fromState(state: ModelState): LinearSVC {
    const weights = readLinearState(state, 'LinearSVC');
    const m = new LinearSVC(state.params as Partial<LinearSVCParams>);
    m.weights_ = weights;
    m.nIter_ = typeof state.meta.nIter === 'number' ? state.meta.nIter : 0;
    return m;
  }
}
