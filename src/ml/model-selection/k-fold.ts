import { resolveParams } from '../base/params.ts';
import type { Samples } from '../base/select-samples.ts';
import { Random } from './random.ts';
import { checkShuffleSeed, countSamples, foldsFromAssignment, K_FOLD_PARAMS, type Fold, type KFoldParams, type Splitter } from './splitter.ts';

/**
 * K consecutive folds (after an optional seeded shuffle), as scikit-learn's `KFold`: the first
 * n % k folds hold one sample more. Labels are ignored.
 *
 * @example
 *   for (const { train, test } of new KFold({ nSplits: 3 }).split(10)) { ... } // tests of 4, 3, 3
 */
export class KFold implements Splitter {
  readonly kind = 'KFold';
  private readonly params: KFoldParams;

  constructor(params: Partial<KFoldParams> = {}) {
    this.params = resolveParams(this.kind, K_FOLD_PARAMS, params);
    checkShuffleSeed(this.kind, this.params);
  }

  /** A copy of the params. */
  getParams(): KFoldParams {
    return { ...this.params };
  }

  getNSplits(): number {
    return this.params.nSplits;
  }

  /** The folds of `X` (or of X samples when X is a number); test and train indices ascending. */
  split(X: Samples | number): Fold[] {
    const { nSplits, shuffle, randomState } = this.params;
    const n = countSamples(this.kind, X, nSplits);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (shuffle) new Random(randomState).shuffle(order);
    const testFold = new Int32Array(n);
    const base = Math.floor(n / nSplits);
    let pos = 0;
    for (let k = 0; k < nSplits; k++) {
      const size = base + (k < n % nSplits ? 1 : 0);
      for (let j = 0; j < size; j++) testFold[order[pos++]!] = k;
    }
    return foldsFromAssignment(testFold, nSplits);
  }
}
