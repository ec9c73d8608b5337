import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFixture } from '../../helpers/fixtures.ts';
import { CuratorError } from '../../../src/ml/errors.ts';
import { KFold } from '../../../src/ml/model-selection/k-fold.ts';
import { StratifiedKFold } from '../../../src/ml/model-selection/stratified-k-fold.ts';
import { Random } from '../../../src/ml/model-selection/random.ts';
import type { Fold } from '../../../src/ml/model-selection/splitter.ts';

interface Fx {
  folds: Record<string, { y?: string; n_splits: number; test_fold?: number[]; n?: number; tests?: number[][] }>;
  imbalanced_y: string[];
}
const fx = readFixture<Fx>('metrics.json');
const inputs = readFixture<Record<string, { y: string[] }>>('inputs.json');
const labelSets: Record<string, string[]> = { binary: inputs['binary']!.y, multiclass: inputs['multiclass']!.y, imbalanced: fx.imbalanced_y };

function randomImbalanced(seed: number, n: number): string[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const u = rng.next();
    return u < 0.7 ? 'major' : u < 0.9 ? 'mid' : u < 0.98 ? 'minor' : 'rare';
  });
}

/** The properties every stratified split must have, checked from the folds alone. */
function checkStratified(folds: Fold[], y: readonly string[], k: number): void {
  const n = y.length;
  assert.equal(folds.length, k);
  const seen = new Int32Array(n);
  const sizes = folds.map((f) => f.test.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
  const classCount = new Map<string, number>();
  for (const l of y) classCount.set(l, (classCount.get(l) ?? 0) + 1);
  for (const f of folds) {
    assert.equal(f.train.length + f.test.length, n, 'train + test cover all samples');
    const inTest = new Uint8Array(n);
    for (let j = 0; j < f.test.length; j++) {
      if (j > 0) assert.ok(f.test[j]! > f.test[j - 1]!, 'test ascending');
      inTest[f.test[j]!] = 1;
      seen[f.test[j]!]!++;
    }
    for (let j = 0; j < f.train.length; j++) {
      assert.equal(inTest[f.train[j]!], 0, 'train and test do not overlap');
      if (j > 0) assert.ok(f.train[j]! > f.train[j - 1]!, 'train ascending');
    }
    const inFold = new Map<string, number>();
    for (const i of f.test) inFold.set(y[i]!, (inFold.get(y[i]!) ?? 0) + 1);
    for (const [label, total] of classCount) {
      const got = inFold.get(label) ?? 0;
      assert.ok(Math.abs(got - total / k) < 1, `class ${label}: ${got} in a test fold, share ${total / k}`);
    }
  }
  assert.ok(seen.every((s) => s === 1), 'every sample is tested exactly once');
}

describe('StratifiedKFold', () => {
  it('matches scikit-learn 1.2 exactly without shuffle (binary, 5-class, imbalanced; k = 2, 5, 12)', () => {
    for (const [name, f] of Object.entries(fx.folds)) {
      if (!f.test_fold) continue;
      const y = labelSets[f.y!]!;
      const got = new StratifiedKFold({ nSplits: f.n_splits }).testFolds(y.length, y);
      assert.deepEqual(Array.from(got), f.test_fold, name);
    }
  });

  it('keeps every class within ±1 of its share, partitions the samples, with and without shuffle', () => {
    const sets = { ...labelSets, random1: randomImbalanced(1, 523), random2: randomImbalanced(2, 97) };
    for (const y of Object.values(sets)) {
      for (const k of [2, 3, 5, 12]) {
        if (k > Math.max(...[...new Set(y)].map((l) => y.filter((x) => x === l).length))) continue;
        checkStratified(new StratifiedKFold({ nSplits: k }).split(y.length, y), y, k);
        checkStratified(new StratifiedKFold({ nSplits: k, shuffle: true, randomState: 7 }).split(y, y), y, k);
      }
    }
  });

  it('shuffled splits are the same for the same seed and differ for another', () => {
    const y = labelSets['multiclass']!;
    const a = new StratifiedKFold({ nSplits: 5, shuffle: true, randomState: 42 }).split(y.length, y);
    const b = new StratifiedKFold({ nSplits: 5, shuffle: true, randomState: 42 }).split(y.length, y);
    const c = new StratifiedKFold({ nSplits: 5, shuffle: true, randomState: 43 }).split(y.length, y);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const splitter = new StratifiedKFold({ nSplits: 5, shuffle: true, randomState: 42 });
    assert.deepEqual(splitter.split(y.length, y), splitter.split(y.length, y), 'a fixed seed gives the same split on every call');
  });

  it('bad input: coded errors naming the problem', () => {
    const code = (fn: () => unknown, c: string, re: RegExp) =>
      assert.throws(fn, (e: unknown) => e instanceof CuratorError && e.code === c && re.test(e.message));
    code(() => new StratifiedKFold({ nSplits: 1 }), 'INVALID_PARAM', /'nSplits' parameter of StratifiedKFold must be an int ≥ 2\. Got 1/);
    code(() => new StratifiedKFold({ nSplits: 2.5 }), 'INVALID_PARAM', /nSplits/);
    code(() => new StratifiedKFold({ randomState: 3 }), 'INVALID_PARAM', /randomState has no effect since shuffle is false/);
    code(() => new StratifiedKFold({ nsplits: 3 } as never), 'UNKNOWN_PARAM', /no parameter 'nsplits'/);
    code(() => new StratifiedKFold().split(3, ['a', 'b']), 'SHAPE_MISMATCH', /3 samples but y has 2 labels/);
    code(() => new StratifiedKFold().split(2), 'INVALID_ARGUMENT', /y \(the class labels\) is required/);
    code(() => new StratifiedKFold({ nSplits: 3 }).split(0, []), 'EMPTY_INPUT', /no samples/);
    // scikit-learn: an error only when nSplits exceeds every class's count ...
    code(() => new StratifiedKFold({ nSplits: 3 }).split(4, ['a', 'a', 'b', 'b']), 'INVALID_ARGUMENT', /nSplits=3 cannot be greater than the number of members in each class/);
    code(() => new StratifiedKFold({ nSplits: 5 }).split(4, ['a', 'a', 'a', 'a']), 'INVALID_ARGUMENT', /nSplits=5 greater than the number of samples \(4\)/);
    // ... and only a warning (kept, not printed) when the smallest class is too small.
    const s = new StratifiedKFold({ nSplits: 3 });
    const folds = s.split(7, ['a', 'a', 'a', 'a', 'a', 'b', 'b']);
    assert.equal(folds.length, 3);
    assert.match(s.lastWarnings[0]!, /least populated class in y has only 2 members, which is less than nSplits=3/);
    s.split(6, ['a', 'a', 'a', 'b', 'b', 'b']);
    assert.deepEqual(s.lastWarnings, []);
  });
});

describe('KFold', () => {
  it('fold sizes and order as scikit-learn (first n % k folds one larger)', () => {
    for (const [name, f] of Object.entries(fx.folds)) {
      if (!f.tests) continue;
      const folds = new KFold({ nSplits: f.n_splits }).split(f.n!);
      assert.deepEqual(folds.map((x) => Array.from(x.test)), f.tests, name);
    }
  });

  it('shuffle: a seeded partition, reproducible', () => {
    const a = new KFold({ nSplits: 4, shuffle: true, randomState: 1 }).split(50);
    assert.deepEqual(a, new KFold({ nSplits: 4, shuffle: true, randomState: 1 }).split(50));
    assert.notDeepEqual(a, new KFold({ nSplits: 4, shuffle: true, randomState: 2 }).split(50));
    assert.deepEqual(a.map((f) => f.test.length), [13, 13, 12, 12]);
    const all = a.flatMap((f) => Array.from(f.test)).sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 50 }, (_, i) => i));
  });

  it('bad input', () => {
    assert.throws(() => new KFold({ nSplits: 0 }), /'nSplits' parameter of KFold must be an int ≥ 2/);
    assert.throws(() => new KFold({ nSplits: 6 }).split(5), /nSplits=6 greater than the number of samples \(5\)/);
  });
});

describe('Random', () => {
  it('is deterministic per seed and roughly uniform', () => {
    const a = new Random(5);
    const b = new Random(5);
    const xs = Array.from({ length: 10000 }, () => a.next());
    assert.deepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => b.next()));
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(m - 0.5) < 0.02, `mean ${m}`);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });
});
