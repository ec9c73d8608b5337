import { LinearClassifier } from './linear-classifier.ts';
import { checkFitInput } from '../base/labels.ts';
import { is, type ParamTable } from '../base/params.ts';
import type { Classifier, ModelState } from '../base/types.ts';
import { DenseMatrix } from '../dense/dense-matrix.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import { minimizeLbfgs } from './lbfgs.ts';
import { linearDecision, readLinearState, sigmoid } from './linear-model.ts';
import { LogisticObjective } from './logistic-objective.ts';

/** Parameters of LogisticRegression (scikit-learn's names in camelCase, same defaults). */
export type LogisticRegressionParams = {
  /** Inverse regularization strength. */
  C: number;
  penalty: 'l2';
  /** Stop when the largest gradient component of Σ loss + ‖w‖²/(2C) falls to this (scipy's gtol). */
  tol: number;
  maxIter: number;
  /** Fit an unpenalized intercept. */
  fitIntercept: boolean;
  solver: 'lbfgs';
  /** 'auto': one logistic vector for two classes, multinomial (softmax) for more, as scikit-learn 1.2. */
  multiClass: 'auto' | 'ovr' | 'multinomial';
};

const TABLE: ParamTable<LogisticRegressionParams> = {
  C: { default: 1.0, allowed: [is.float({ min: 0, minExclusive: true })] },
  penalty: { default: 'l2', allowed: [is.oneOf('l2')] },
  tol: { default: 1e-4, allowed: [is.float({ min: 0 })] },
  maxIter: { default: 100, allowed: [is.int({ min: 0 })] },
  fitIntercept: { default: true, allowed: [is.bool()] },
  solver: { default: 'lbfgs', allowed: [is.oneOf('lbfgs')] },
  multiClass: { default: 'auto', allowed: [is.oneOf('auto', 'ovr', 'multinomial')] },
};

/** scipy's default relative-decrease tolerance for L-BFGS-B (factr 1e7 × machine epsilon), which scikit-learn keeps. */
const FTOL = 1e7 * 2.220446049250313e-16;

/**
 * L2-regularized logistic regression fitted like scikit-learn's default 'lbfgs' solver: it minimizes
 * C·Σ log-loss + ½‖w‖² (intercept unpenalized) with limited-memory BFGS, stopping by the same
 * rules as scipy's L-BFGS-B. Two classes give one weight vector (positive = classes[1]); more
 * classes a multinomial (softmax) model, or one-vs-rest with multiClass: 'ovr'.
 *
 * @example
 *   const lr = new LogisticRegression({ C: 1.0, maxIter: 1000 }).fit(Xtrain, ytrain);
 *   lr.predictProba(Xtest).get(0, 1); // P(classes[1] | first test row)
 */
export class LogisticRegression extends LinearClassifier<LogisticRegressionParams> implements Classifier {
  private multinomial_ = false;
  /** L-BFGS iterations of the last fit (the largest over one-vs-rest problems), like scikit-learn's n_iter_. */
  nIter_ = 0;
  /** False when the last fit stopped at maxIter (or a failed line search) before its tolerance. */
  converged_ = true;

  constructor(params: Partial<LogisticRegressionParams> = {}) {
    super('LogisticRegression', TABLE, params);
  }

  fit(X: CsrMatrix, y: readonly string[]): this {
    const { classes, codes } = checkFitInput('LogisticRegression.fit', X, y);
    const p = this.params;
    const nc = classes.length;
    const multinomial = p.multiClass === 'multinomial' || (p.multiClass === 'auto' && nc > 2);
    const d = X.nCols;
    const opts = { gtol: p.tol, ftol: FTOL, maxIter: p.maxIter, memory: 10, maxLineSearch: 20 };
    let coef: Float64Array;
    let intercept: Float64Array;
    let nIter = 0;
    let converged = true;
    if (multinomial) {
      const obj = new LogisticObjective(X, codes, nc, p.C, p.fitIntercept);
      const res = minimizeLbfgs(obj, opts);
      nIter = res.iterations;
      converged = res.converged;
      // feature-major solver layout -> class-major coef; two classes keep only classes[1]'s row, as scikit-learn
      const rows = nc === 2 ? [1] : Array.from({ length: nc }, (_, c) => c);
      coef = new Float64Array(rows.length * d);
      intercept = new Float64Array(rows.length);
      const w = obj.weights();
      const b = obj.intercepts();
      rows.forEach((c, r) => {
        for (let j = 0; j < d; j++) coef[r * d + j] = w[j * nc + c]!;
        intercept[r] = b[c]!;
      });
    } else {
      const outputs = nc === 2 ? 1 : nc;
      coef = new Float64Array(outputs * d);
      intercept = new Float64Array(outputs);
      const target = new Int32Array(X.nRows);
      for (let c = 0; c < outputs; c++) {
        const positive = nc === 2 ? 1 : c;
        for (let i = 0; i < X.nRows; i++) target[i] = codes[i] === positive ? 1 : 0;
        const obj = new LogisticObjective(X, target, 1, p.C, p.fitIntercept);
        const res = minimizeLbfgs(obj, opts);
        nIter = Math.max(nIter, res.iterations);
        converged &&= res.converged;
        coef.set(obj.weights(), c * d);
        intercept[c] = obj.intercepts()[0]!;
      }
    }
    this.weights_ = { classes, nFeatures: d, coef, intercept };
    this.multinomial_ = multinomial;
    this.nIter_ = nIter;
    this.converged_ = converged;
    return this;
  }

  /** Class probabilities: softmax for multinomial models, normalized one-vs-rest sigmoids otherwise. */
  predictProba(X: CsrMatrix): DenseMatrix {
    this.assertFitted('predictProba');
    const dec = linearDecision('LogisticRegression.predictProba', X, this.weights_!);
    const nc = this.weights_!.classes.length;
    const out = new DenseMatrix(X.nRows, nc);
    const o = out.data;
    const v = dec.data;
    for (let i = 0; i < X.nRows; i++) {
      if (dec.nCols === 1) {
        // a two-class multinomial model keeps w1 with w0 = -w1, so its log-odds are twice the decision
        const p1 = sigmoid(this.multinomial_ ? 2 * v[i]! : v[i]!);
        o[2 * i] = 1 - p1;
        o[2 * i + 1] = p1;
      } else if (this.multinomial_) {
        let mx = -Infinity;
        for (let c = 0; c < nc; c++) mx = Math.max(mx, v[i * nc + c]!);
        let s = 0;
        for (let c = 0; c < nc; c++) s += o[i * nc + c] = Math.exp(v[i * nc + c]! - mx);
        for (let c = 0; c < nc; c++) o[i * nc + c]! /= s;
      } else {
        let s = 0;
        for (let c = 0; c < nc; c++) s += o[i * nc + c] = sigmoid(v[i * nc + c]!);
        for (let c = 0; c < nc; c++) o[i * nc + c]! /= s;
      }
    }
    return out;
  }

  /** Natural log of predictProba (as scikit-learn: the log of the probabilities, so 0 gives -Infinity). */
  predictLogProba(X: CsrMatrix): DenseMatrix {
    this.assertFitted('predictLogProba');
    const p = this.predictProba(X);
    for (let i = 0; i < p.data.length; i++) p.data[i] = Math.log(p.data[i]!);
    return p;
  }

  override toState(): ModelState {
    const s = super.toState();
    s.meta.multinomial = this.multinomial_;
    s.meta.nIter = this.nIter_;
    s.meta.converged = this.converged_;
    return s;
  }

  /** Rebuilds a fitted LogisticRegression from toState()'s output. */
  static fromState(state: ModelState): LogisticRegression {
    const weights = readLinearState(state, 'LogisticRegression');
    const m = new LogisticRegression(state.params as Partial<LogisticRegressionParams>);
    m.weights_ = weights;
    m.multinomial_ = state.meta.multinomial === true;
    m.nIter_ = typeof state.meta.nIter === 'number' ? state.meta.nIter : 0;
    m.converged_ = state.meta.converged !== false;
    return m;
  }
}
