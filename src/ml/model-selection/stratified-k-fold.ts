import { CuratorError } from '../errors.ts';
import { resolveParams } from '../base/params.ts';
import type { Samples } from '../base/select-samples.ts';
import { Random } from './random.ts';
import { checkShuffleSeed, countSamples, foldsFromAssignment, K_FOLD_PARAMS, type Fold, type KFoldParams, type Splitter } from './splitter.ts';

/**
 * K folds that keep each class's share, as scikit-learn 1.2's `StratifiedKFold`: the sorted
 * labels are dealt round-robin to the folds to fix how many samples of each class each fold
 * tests (so every fold holds each class's share ±1 and fold sizes differ by at most 1); each
 * class's samples then take their fold slots in data order, or in a seeded random order with
 * `shuffle` (our generator differs from numpy's, so shuffled folds differ from scikit-learn's).
 *
 * Unlike scikit-learn, nothing is printed when the smallest class has fewer than nSplits
 * members; the message is kept in `lastWarnings`.
 *
 * @example
 *   const folds = new StratifiedKFold({ nSplits: 12, shuffle: true, randomState: 42 }).split(texts, y);
 */
export class StratifiedKFold implements Splitter {
  readonly kind = 'StratifiedKFold';
  private readonly params: KFoldParams;
  /** Warnings of the last split (scikit-learn's UserWarning), e.g. a class smaller than nSplits. */
  lastWarnings: string[] = [];

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

  /** The folds of `X` (or of X samples when X is a number) stratified by `y`; indices ascending. */
  split(X: Samples | number, y?: readonly (string | number)[]): Fold[] {
    return foldsFromAssignment(this.testFolds(X, y), this.params.nSplits);
  }

  /** Each sample's test fold (scikit-learn's `_make_test_folds`). */
  testFolds(X: Samples | number, y?: readonly (string | number)[]): Int32Array {
    const owner = this.kind;
    const { nSplits, shuffle, randomState } = this.params;
    if (!Array.isArray(y)) throw new CuratorError('INVALID_ARGUMENT', `${owner}.split: y (the class labels) is required.`, { field: 'y' });
    const n = typeof X === 'number' ? X : countSamples(owner, X, 1);
    if (y.length !== n) {
      throw new CuratorError('SHAPE_MISMATCH', `${owner}.split: X has ${n} samples but y has ${y.length} labels; they must be the same length.`, { field: 'y' });
    }
    countSamples(owner, n, nSplits);

    // Classes numbered by first appearance, as scikit-learn does before allocating.
    const code = new Map<string | number, number>();
    const yEnc = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const l = y[i]!;
      if (typeof l !== 'string' && typeof l !== 'number') {
        throw new CuratorError('INVALID_ARGUMENT', `${owner}.split: y[${i}] is ${JSON.stringify(l)}; labels must be strings.`, { field: 'y' });
      }
      let c = code.get(l);
      if (c === undefined) code.set(l, (c = code.size));
      yEnc[i] = c;
    }
    const nClasses = code.size;
    const counts = new Int32Array(nClasses);
    for (let i = 0; i < n; i++) counts[yEnc[i]!]!++;
    const minCount = Math.min(...counts);
    const maxCount = Math.max(...counts);
    if (nSplits > maxCount) {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}.split: nSplits=${nSplits} cannot be greater than the number of members in each class (the largest class has ${maxCount}).`, { field: 'nSplits' });
    }
    this.lastWarnings = nSplits > minCount ? [`The least populated class in y has only ${minCount} members, which is less than nSplits=${nSplits}.`] : [];

    // allocation[k * nClasses + c]: test samples of class c in fold k — deal the sorted labels round-robin.
    const allocation = new Int32Array(nSplits * nClasses);
    let pos = 0;
    for (let c = 0; c < nClasses; c++) {
      for (let j = 0; j < counts[c]!; j++, pos++) allocation[(pos % nSplits) * nClasses + c]!++;
    }
    const rng = shuffle ? new Random(randomState) : undefined;
    const slots: Int32Array[] = [];
    for (let c = 0; c < nClasses; c++) {
      const s = new Int32Array(counts[c]!);
      let p = 0;
      for (let k = 0; k < nSplits; k++) for (let j = 0; j < allocation[k * nClasses + c]!; j++) s[p++] = k;
      if (rng) rng.shuffle(s);
      slots.push(s);
    }
    const testFold = new Int32Array(n);
    const next = new Int32Array(nClasses);
    for (let i = 0; i < n; i++) testFold[i] = slots[yEnc[i]!]![next[yEnc[i]!]!++]!;
    return testFold;
  }
}
