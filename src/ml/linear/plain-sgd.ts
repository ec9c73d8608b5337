import { CuratorError } from '../errors.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import type { LinearRandom } from './random.ts';
import { rowAxpy, rowDot, rowDotInOrder } from './sparse-rows.ts';

/** Losses of SGDClassifier, each a value and a derivative in the margin p for a target y = ±1. */
export type SgdLoss = 'hinge' | 'log_loss' | 'modified_huber';
export type SgdLearningRate = 'optimal' | 'constant' | 'invscaling';

/** scikit-learn clips derivatives to this, so one wild sample cannot blow the weights up. */
const MAX_DLOSS = 1e12;
/** Below this the weight scale is folded into the weights, to keep them representable. */
const WSCALE_THRESHOLD = 1e-9;

function lossValue(loss: SgdLoss, p: number, y: number): number {
  const z = p * y;
  switch (loss) {
    case 'hinge':
      return z <= 1 ? 1 - z : 0;
    case 'log_loss':
      // the cut-offs avoid exp overflow where log(1 + e^-z) is already its asymptote
      if (z > 18) return Math.exp(-z);
      if (z < -18) return -z;
      return Math.log1p(Math.exp(-z));
    case 'modified_huber':
      if (z >= 1) return 0;
      if (z >= -1) return (1 - z) * (1 - z);
      return -4 * z;
  }
}

function lossDerivative(loss: SgdLoss, p: number, y: number): number {
  const z = p * y;
  switch (loss) {
    case 'hinge':
      return z <= 1 ? -y : 0;
    case 'log_loss':
      if (z > 18) return Math.exp(-z) * -y;
      if (z < -18) return -y;
      return -y / (Math.exp(z) + 1);
    case 'modified_huber':
      if (z >= 1) return 0;
      if (z >= -1) return 2 * (1 - z) * -y;
      return -4 * y;
  }
}

/** Settings of one binary plain-SGD run (scikit-learn's sgd_fast._plain_sgd, L2 penalty, no averaging). */
export interface PlainSgdOptions {
  loss: SgdLoss;
  alpha: number;
  maxIter: number;
  /** null: run every epoch (scikit-learn's tol=None). */
  tol: number | null;
  nIterNoChange: number;
  fitIntercept: boolean;
  shuffle: boolean;
  learningRate: SgdLearningRate;
  eta0: number;
  powerT: number;
  /** Sample counter at the start (1 on a fresh fit; carried over by partialFit). */
  t: number;
  /** Damping of intercept steps; scikit-learn uses 0.01 for sparse input, which all input here is. */
  interceptDecay: number;
  rng: LinearRandom;
}

/**
 * Runs SGD epochs on one ±1 problem, updating `w` and returning the new intercept and the number of
 * epochs run. The L2 shrink is a multiplication of a scale factor, so a step costs O(nnz of the row).
 * Stops when the epoch's summed loss has not improved by tol·n for nIterNoChange epochs in a row.
 */
export function plainSgd(X: CsrMatrix, sign: Float64Array, w: Float64Array, intercept0: number, o: PlainSgdOptions): { intercept: number; epochs: number } {
  const n = X.nRows;
  const { indptr, indices, data } = X;
  // Without shuffling the updates are scikit-learn's exactly, which needs its left-to-right sums
  // (a margin on the other side of a loss kink after rounding changes the run); shuffled, the order
  // differs from scikit-learn's anyway, so the faster four-way sum is used.
  const inOrder = !o.shuffle;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let wscale = 1;
  let intercept = intercept0;
  let t = o.t;
  let optimalInit = 0;
  if (o.learningRate === 'optimal') {
    // scikit-learn's heuristic (from Bottou's sgd): pick t0 so the first step has the size of a typical weight
    const typw = Math.sqrt(1 / Math.sqrt(o.alpha));
    const eta0 = typw / Math.max(1, lossDerivative(o.loss, -typw, 1));
    optimalInit = 1 / (eta0 * o.alpha);
  }
  let bestLoss = Infinity;
  let noImprovement = 0;
  let epoch = 0;
  while (epoch < o.maxIter) {
    let sumLoss = 0;
    if (o.shuffle) o.rng.shuffle(order);
    for (let s = 0; s < n; s++) {
      const i = order[s]!;
      const y = sign[i]!;
      const eta =
        o.learningRate === 'optimal' ? 1 / (o.alpha * (optimalInit + t - 1)) : o.learningRate === 'invscaling' ? o.eta0 / Math.pow(t, o.powerT) : o.eta0;
      const start = indptr[i]!;
      const end = indptr[i + 1]!;
      const dot = inOrder ? rowDotInOrder(w, indices, data, start, end) : rowDot(w, indices, data, start, end);
      const p = dot * wscale + intercept;
      sumLoss += lossValue(o.loss, p, y);
      let dloss = lossDerivative(o.loss, p, y);
      if (dloss < -MAX_DLOSS) dloss = -MAX_DLOSS;
      else if (dloss > MAX_DLOSS) dloss = MAX_DLOSS;
      const update = -eta * dloss;
      wscale *= Math.max(0, 1 - eta * o.alpha);
      if (wscale < WSCALE_THRESHOLD) {
        for (let j = 0; j < w.length; j++) w[j]! *= wscale;
        wscale = 1;
      }
      if (update !== 0) {
        const c = update / wscale;
        rowAxpy(w, indices, data, start, end, c);
        if (o.fitIntercept) intercept += update * o.interceptDecay;
      }
      t += 1;
    }
    epoch++;
    if (!Number.isFinite(intercept) || !Number.isFinite(wscale)) {
      throw new CuratorError('INVALID_ARGUMENT', `SGDClassifier.fit: floating-point overflow at epoch ${epoch}; scale the input or lower eta0/alpha.`, { field: 'X' });
    }
    if (o.tol !== null) {
      if (sumLoss > bestLoss - o.tol * n) noImprovement++;
      else noImprovement = 0;
      if (sumLoss < bestLoss) bestLoss = sumLoss;
      if (noImprovement >= o.nIterNoChange) break;
    }
  }
  for (let j = 0; j < w.length; j++) w[j]! *= wscale;
  for (let j = 0; j < w.length; j++) {
    if (!Number.isFinite(w[j]!)) {
      throw new CuratorError('INVALID_ARGUMENT', `SGDClassifier.fit: floating-point overflow in the weights; scale the input or lower eta0/alpha.`, { field: 'X' });
    }
  }
  return { intercept, epochs: epoch };
}
