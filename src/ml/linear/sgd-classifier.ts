import { checkFitInput, sortedUnique } from '../base/labels.ts';
import { is, type ParamTable } from '../base/params.ts';
import type { Classifier, ModelState } from '../base/types.ts';
import { decodeValues } from '../base/coded-values.ts';
import { DenseMatrix } from '../dense/dense-matrix.ts';
import { CuratorError } from '../errors.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import { LinearClassifier } from './linear-classifier.ts';
import { linearDecision, outputCount, readLinearState, sigmoid } from './linear-model.ts';
import { plainSgd, type SgdLearningRate, type SgdLoss } from './plain-sgd.ts';
import { LinearRandom } from './random.ts';

/** Parameters of SGDClassifier (scikit-learn's names in camelCase and defaults, except randomState). */
export type SGDClassifierParams = {
  loss: SgdLoss;
  penalty: 'l2';
  /** L2 regularization strength; also sets the 'optimal' learning-rate schedule. */
  alpha: number;
  /** Maximum epochs of fit (partialFit always runs one). */
  maxIter: number;
  /** Stop when an epoch's total loss has not improved by tol·n for nIterNoChange epochs; null runs maxIter epochs. */
  tol: number | null;
  shuffle: boolean;
  /**
   * Seed of the per-epoch shuffles. scikit-learn's default is unseeded (None); here it is 0 so runs
   * are deterministic. Its generator differs from scikit-learn's, so equal seeds do not give equal models.
   */
  randomState: number;
  learningRate: SgdLearningRate;
  /** Initial learning rate for 'constant' and 'invscaling' (must then be > 0). */
  eta0: number;
  /** Exponent of 'invscaling': eta = eta0 / t^powerT. */
  powerT: number;
  fitIntercept: boolean;
  nIterNoChange: number;
};

const TABLE: ParamTable<SGDClassifierParams> = {
  loss: { default: 'hinge', allowed: [is.oneOf('hinge', 'log_loss', 'modified_huber')] },
  penalty: { default: 'l2', allowed: [is.oneOf('l2')] },
  alpha: { default: 1e-4, allowed: [is.float({ min: 0, minExclusive: true })] },
  maxIter: { default: 1000, allowed: [is.int({ min: 1 })] },
  tol: { default: 1e-3, allowed: [is.float(), is.null()] },
  shuffle: { default: true, allowed: [is.bool()] },
  randomState: { default: 0, allowed: [is.int({ min: 0 })] },
  learningRate: { default: 'optimal', allowed: [is.oneOf('optimal', 'constant', 'invscaling')] },
  eta0: { default: 0, allowed: [is.float({ min: 0 })] },
  powerT: { default: 0.5, allowed: [is.float()] },
  fitIntercept: { default: true, allowed: [is.bool()] },
  nIterNoChange: { default: 5, allowed: [is.int({ min: 1 })] },
};

/** scikit-learn damps intercept steps by this for sparse input (all input here is sparse). */
const SPARSE_INTERCEPT_DECAY = 0.01;

/**
 * Linear classifier trained by plain stochastic gradient descent with an L2 penalty, as
 * scikit-learn's SGDClassifier: hinge (a linear SVM), log_loss (logistic regression) or
 * modified_huber, one-vs-rest for more than two classes, and `partialFit` for learning in batches.
 *
 * @example
 *   const sgd = new SGDClassifier({ loss: 'log_loss', randomState: 42 }).fit(Xtrain, ytrain);
 *   sgd.predictProba(Xtest);
 *   sgd.partialFit(Xnew, ynew); // one more epoch over new documents
 */
export class SGDClassifier extends LinearClassifier<SGDClassifierParams> implements Classifier {
  /** Samples seen so far plus one (scikit-learn's t_): the learning-rate clock that partialFit continues. */
  t_ = 1;
  /** Epochs of the last fit or partialFit (the most over one-vs-rest problems), like scikit-learn's n_iter_. */
  nIter_ = 0;

  constructor(params: Partial<SGDClassifierParams> = {}) {
    super('SGDClassifier', TABLE, params);
  }

  /** Fits from scratch, for up to maxIter epochs. */
  fit(X: CsrMatrix, y: readonly string[]): this {
    const { classes, codes } = checkFitInput('SGDClassifier.fit', X, y);
    this.checkLearningRate();
    const k = outputCount(classes.length);
    this.weights_ = { classes, nFeatures: X.nCols, coef: new Float64Array(k * X.nCols), intercept: new Float64Array(k) };
    this.t_ = 1;
    this.epochs(X, codes, this.params.maxIter);
    return this;
  }

  /**
   * One epoch over (X, y), continuing from the current weights and learning-rate clock. On the
   * first call `classes` lists every label the model will ever see (it may be omitted when y holds
   * at least two of them and no others will come); later calls may omit it.
   */
  partialFit(X: CsrMatrix, y: readonly string[], classes?: readonly string[]): this {
    const owner = 'SGDClassifier.partialFit';
    const seen = checkFitInput(owner, X, y, { allowSingleClass: true });
    this.checkLearningRate();
    if (!this.weights_) {
      let all = seen.classes;
      if (classes !== undefined) {
        if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) {
          throw new CuratorError('INVALID_ARGUMENT', `${owner}: classes must be an array of string labels.`, { field: 'classes' });
        }
        all = sortedUnique(classes);
      }
      if (all.length < 2) {
        throw new CuratorError('SINGLE_CLASS', `${owner}: the first call needs at least two classes; pass them all as \`classes\`. Got ${JSON.stringify(all)}.`, { field: 'classes' });
      }
      const k = outputCount(all.length);
      this.weights_ = { classes: all, nFeatures: X.nCols, coef: new Float64Array(k * X.nCols), intercept: new Float64Array(k) };
      this.t_ = 1;
    } else {
      const known = this.weights_.classes;
      if (classes !== undefined) {
        const given = Array.isArray(classes) ? sortedUnique(classes) : [];
        if (given.length !== known.length || given.some((c, i) => c !== known[i])) {
          throw new CuratorError('INVALID_ARGUMENT', `${owner}: classes ${JSON.stringify(classes)} differ from those of the first call, ${JSON.stringify(known)}.`, { field: 'classes' });
        }
      }
      if (X.nCols !== this.weights_.nFeatures) {
        throw new CuratorError('SHAPE_MISMATCH', `${owner}: X has ${X.nCols} features, but earlier calls had ${this.weights_.nFeatures}.`, { field: 'X' });
      }
    }
    const index = new Map(this.weights_.classes.map((c, i) => [c, i]));
    const codes = new Int32Array(y.length);
    for (const c of seen.classes) {
      if (!index.has(c)) {
        throw new CuratorError('UNKNOWN_LABEL', `${owner}: label ${JSON.stringify(c)} is not among the classes ${JSON.stringify(this.weights_.classes)} given on the first call.`, { field: 'y' });
      }
    }
    const remap = seen.classes.map((c) => index.get(c)!);
    for (let i = 0; i < y.length; i++) codes[i] = remap[seen.codes[i]!]!;
    this.epochs(X, codes, 1);
    return this;
  }

  private checkLearningRate(): void {
    if (this.params.learningRate !== 'optimal' && !(this.params.eta0 > 0)) {
      throw new CuratorError('INVALID_PARAM', `The 'eta0' parameter of SGDClassifier must be > 0 with learningRate '${this.params.learningRate}'. Got ${this.params.eta0} instead.`, { field: 'eta0' });
    }
  }

  /** Runs up to `maxIter` epochs of every one-vs-rest problem, each with its own shuffle seed. */
  private epochs(X: CsrMatrix, codes: Int32Array, maxIter: number): void {
    const p = this.params;
    const w = this.weights_!;
    const d = w.nFeatures;
    const k = w.intercept.length;
    const master = new LinearRandom(p.randomState);
    const sign = new Float64Array(X.nRows);
    let epochs = 0;
    for (let c = 0; c < k; c++) {
      const positive = k === 1 ? 1 : c;
      for (let i = 0; i < X.nRows; i++) sign[i] = codes[i] === positive ? 1 : -1;
      // Always plain here: fit allocates it, fromState copies it out (SGD updates it in place).
      const res = plainSgd(X, sign, (w.coef as Float64Array).subarray(c * d, (c + 1) * d), w.intercept[c]!, {
        loss: p.loss,
        alpha: p.alpha,
        maxIter,
        tol: p.tol,
        nIterNoChange: p.nIterNoChange,
        fitIntercept: p.fitIntercept,
        shuffle: p.shuffle,
        learningRate: p.learningRate,
        eta0: p.eta0,
        powerT: p.powerT,
        t: this.t_,
        interceptDecay: SPARSE_INTERCEPT_DECAY,
        rng: new LinearRandom(master.nextUint32()),
      });
      w.intercept[c] = res.intercept;
      epochs = Math.max(epochs, res.epochs);
    }
    this.nIter_ = epochs;
    this.t_ += epochs * X.nRows;
  }

  /**
   * Class probabilities for loss 'log_loss' (sigmoids, normalized over one-vs-rest columns) and
   * 'modified_huber' ((clip(d, -1, 1) + 1) / 2, normalized; uniform where every class scores 0).
   * Throws INVALID_ARGUMENT for 'hinge', which has none, like scikit-learn.
   */
  predictProba(X: CsrMatrix): DenseMatrix {
    this.assertFitted('predictProba');
    const loss = this.params.loss;
    if (loss === 'hinge') {
      throw new CuratorError('INVALID_ARGUMENT', "SGDClassifier.predictProba: probability estimates are not available for loss 'hinge'; use loss 'log_loss' or 'modified_huber'.", { field: 'loss' });
    }
    const dec = linearDecision('SGDClassifier.predictProba', X, this.weights_!);
    const nc = this.weights_!.classes.length;
    const out = new DenseMatrix(X.nRows, nc);
    const o = out.data;
    const v = dec.data;
    const squash = loss === 'log_loss' ? sigmoid : (z: number) => (Math.min(1, Math.max(-1, z)) + 1) / 2;
    for (let i = 0; i < X.nRows; i++) {
      if (nc === 2) {
        const p1 = squash(v[i]!);
        o[2 * i] = 1 - p1;
        o[2 * i + 1] = p1;
        continue;
      }
      let s = 0;
      for (let c = 0; c < nc; c++) s += o[i * nc + c] = squash(v[i * nc + c]!);
      if (s === 0) {
        for (let c = 0; c < nc; c++) o[i * nc + c] = 1 / nc;
      } else {
        for (let c = 0; c < nc; c++) o[i * nc + c]! /= s;
      }
    }
    return out;
  }

  override toState(): ModelState {
    const s = super.toState();
    s.meta.t = this.t_;
    s.meta.nIter = this.nIter_;
    return s;
  }

  /** Rebuilds a fitted SGDClassifier (partialFit can continue from it) from toState()'s output. */
  static fromState(state: ModelState): SGDClassifier {
    const weights = readLinearState(state, 'SGDClassifier');
    const m = new SGDClassifier(state.params as Partial<SGDClassifierParams>);
    // partialFit updates coef/intercept in place; loaded sections may be views into the file's
    // bytes (or coded), so own plain copies keep a refit from writing through into them
    m.weights_ = { ...weights, coef: weights.coef instanceof Float64Array ? weights.coef.slice() : decodeValues(weights.coef), intercept: weights.intercept.slice() };
    m.t_ = typeof state.meta.t === 'number' ? state.meta.t : 1;
    m.nIter_ = typeof state.meta.nIter === 'number' ? state.meta.nIter : 0;
    return m;
  }
}
