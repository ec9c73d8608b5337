import { CuratorError } from '../errors.ts';
import { is, type ParamTable } from '../base/params.ts';
import { sampleCount, type Samples } from '../base/select-samples.ts';

/** One cross-validation split: sample indices to train on and to test on, each ascending. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/** Anything that splits n samples (and their labels) into folds, like scikit-learn's splitters. */
export interface Splitter {
  split(X: Samples | number, y?: readonly (string | number)[]): Fold[];
  getNSplits(): number;
}

/** Params of the k-fold splitters (scikit-learn's n_splits, shuffle, random_state). */
export interface KFoldParams {
  /** Number of folds, ≥ 2. Default 5. */
  nSplits: number;
  /** Shuffle before splitting (KFold: the samples; StratifiedKFold: each class's fold slots). */
  shuffle: boolean;
  /** Seed of the shuffle; null draws a fresh one per split call. Only valid with shuffle. */
  randomState: number | null;
}

/** The shared param table of KFold and StratifiedKFold. */
export const K_FOLD_PARAMS: ParamTable<KFoldParams> = {
  nSplits: { default: 5, allowed: [is.int({ min: 2 })] },
  shuffle: { default: false, allowed: [is.bool()] },
  randomState: { default: null, allowed: [is.int(), is.null()] },
};

/** scikit-learn refuses a seed that would have no effect, rather than ignore it silently. */
export function checkShuffleSeed(owner: string, p: KFoldParams): void {
  if (!p.shuffle && p.randomState !== null) {
    throw new CuratorError('INVALID_PARAM', `${owner}: setting randomState has no effect since shuffle is false; leave randomState null or set shuffle: true.`, { field: 'randomState' });
  }
}

/** Number of samples of `X` (or X itself when it is a count), at least nSplits. */
export function countSamples(owner: string, X: Samples | number, nSplits: number): number {
  const n = typeof X === 'number' ? X : sampleCount(X);
  if (!Number.isInteger(n) || n < 0) throw new CuratorError('INVALID_ARGUMENT', `${owner}.split: the number of samples must be a whole number. Got ${n}.`, { field: 'X' });
  if (n === 0) throw new CuratorError('EMPTY_INPUT', `${owner}.split: there are no samples to split.`, { field: 'X' });
  if (nSplits > n) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}.split: cannot have nSplits=${nSplits} greater than the number of samples (${n}).`, { field: 'nSplits' });
  }
  return n;
}

/** Folds from a per-sample test-fold number: test = samples of fold k, train = the rest, ascending. */
export function foldsFromAssignment(testFold: Int32Array, nSplits: number): Fold[] {
  const n = testFold.length;
  const sizes = new Int32Array(nSplits);
  for (let i = 0; i < n; i++) sizes[testFold[i]!]!++;
  const folds: Fold[] = [];
  for (let k = 0; k < nSplits; k++) folds.push({ train: new Int32Array(n - sizes[k]!), test: new Int32Array(sizes[k]!) });
  // One pass per fold keeps the writes sequential; the output itself is n × nSplits indices.
  for (let k = 0; k < nSplits; k++) {
    const { train, test } = folds[k]!;
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      if (testFold[i] === k) test[b++] = i;
      else train[a++] = i;
    }
  }
  return folds;
}
