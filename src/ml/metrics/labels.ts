import { CuratorError } from '../errors.ts';
import { sortedUnique } from '../base/labels.ts';

/** A class label: strings throughout Curator; plain numbers are accepted where they are trivial. */
export type Label = string | number;

/** What kind of target the pair (yTrue, yPred) is, as scikit-learn's `_check_targets` says. */
export type TargetType = 'binary' | 'multiclass';

/** The checked pair of label vectors, encoded against their sorted union (scikit-learn's `unique_labels`). */
export interface Targets {
  yTrue: readonly Label[];
  yPred: readonly Label[];
  /** Sorted distinct labels of yTrue ∪ yPred (numbers numerically, strings by code unit). */
  present: Label[];
  type: TargetType;
  /** Index into `present` of every yTrue / yPred label. */
  trueCodes: Int32Array;
  predCodes: Int32Array;
}
function labelKind(owner: string, field: string, y: readonly Label[]): 'string' | 'number' | 'empty' {
  if (!Array.isArray(y)) throw new CuratorError('INVALID_ARGUMENT', `${owner}: ${field} must be an array of labels.`, { field });
  if (y.length === 0) return 'empty';
  const kind = typeof y[0];
  for (let i = 0; i < y.length; i++) {
    const t = typeof y[i];
    if (t !== 'string' && t !== 'number') {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: ${field}[${i}] is ${JSON.stringify(y[i])}; labels must be strings (or numbers).`, { field });
    }
    if (t !== kind) {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: ${field} mixes string and number labels (${field}[${i}] is ${JSON.stringify(y[i])}).`, { field });
    }
    if (t === 'number' && !Number.isFinite(y[i] as number)) {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: ${field}[${i}] is ${y[i]}; numeric labels must be finite.`, { field });
    }
  }
  return kind as 'string' | 'number';
}

/** Sorted distinct labels, like `np.unique`: numbers numerically, strings by UTF-16 code unit. */
export function uniqueLabels(...ys: (readonly Label[])[]): Label[] {
  const set = new Set<Label>();
  let numeric = false;
  for (const y of ys) {
    let prev: Label | undefined;
    for (let i = 0; i < y.length; i++) {
      // Runs of one label are common (sorted or blocked data); skipping them saves the hashing.
      const l = y[i]!;
      if (l !== prev) set.add((prev = l));
    }
    if (y.length > 0) numeric = typeof y[0] === 'number';
  }
  if (numeric) return [...(set as Set<number>)].sort((a, b) => a - b);
  return sortedUnique([...(set as Set<string>)]);
}

/** Checks a (yTrue, yPred) pair at a metric's boundary: arrays of labels of one kind, the same length, not empty. */
export function checkPair(owner: string, yTrue: readonly Label[], yPred: readonly Label[]): void {
  const kt = labelKind(owner, 'yTrue', yTrue);
  const kp = labelKind(owner, 'yPred', yPred);
  if (yTrue.length !== yPred.length) {
    throw new CuratorError('SHAPE_MISMATCH', `${owner}: yTrue has ${yTrue.length} labels but yPred has ${yPred.length}; they must be the same length.`, { field: 'yPred' });
  }
  if (kt === 'empty') throw new CuratorError('EMPTY_INPUT', `${owner}: yTrue and yPred are empty; at least one sample is needed.`, { field: 'yTrue' });
  if (kt !== kp) throw new CuratorError('INVALID_ARGUMENT', `${owner}: yTrue holds ${kt} labels but yPred holds ${kp} labels.`, { field: 'yPred' });
}

/**
 * Checks a (yTrue, yPred) pair (see {@link checkPair}) and encodes both against their sorted
 * union, whether it is binary (≤ 2 labels) or multiclass. One Map lookup per label: distinct
 * labels are numbered by first appearance, then renumbered in sorted order.
 */
export function checkTargets(owner: string, yTrue: readonly Label[], yPred: readonly Label[]): Targets {
  checkPair(owner, yTrue, yPred);
  const n = yTrue.length;
  const seen = new Map<Label, number>();
  const firstSeen: Label[] = [];
  const trueCodes = new Int32Array(n);
  const predCodes = new Int32Array(n);
  const code = (l: Label): number => {
    let c = seen.get(l);
    if (c === undefined) {
      c = firstSeen.length;
      seen.set(l, c);
      firstSeen.push(l);
    }
    return c;
  };
  for (let i = 0; i < n; i++) {
    trueCodes[i] = code(yTrue[i]!);
    predCodes[i] = code(yPred[i]!);
  }
  const present = uniqueLabels(firstSeen);
  const rank = labelIndex(present);
  const remap = Int32Array.from(firstSeen, (l) => rank.get(l)!);
  for (let i = 0; i < n; i++) {
    trueCodes[i] = remap[trueCodes[i]!]!;
    predCodes[i] = remap[predCodes[i]!]!;
  }
  return { yTrue, yPred, present, type: present.length <= 2 ? 'binary' : 'multiclass', trueCodes, predCodes };
}

/** Checks a single label vector (metrics on scores: yTrue only). */
export function checkLabels(owner: string, y: readonly Label[], field = 'yTrue'): Label[] {
  if (labelKind(owner, field, y) === 'empty') throw new CuratorError('EMPTY_INPUT', `${owner}: ${field} is empty; at least one sample is needed.`, { field });
  return uniqueLabels(y);
}

/** Label → index in `labels`; labels not in the list map to -1. */
export function labelIndex(labels: readonly Label[]): Map<Label, number> {
  const m = new Map<Label, number>();
  labels.forEach((l, i) => {
    if (!m.has(l)) m.set(l, i);
  });
  return m;
}

/** Codes of `y` in `index` (-1 for labels outside it). */
export function encode(y: readonly Label[], index: Map<Label, number>): Int32Array {
  const out = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = index.get(y[i]!) ?? -1;
  return out;
}

/** Rejects option keys a function does not know (a typo like `pos_label` would otherwise be ignored). */
export function checkOptionKeys(owner: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new CuratorError('INVALID_ARGUMENT', `${owner}: options must be an object.`, { field: 'options' });
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new CuratorError('INVALID_ARGUMENT', `${owner} has no option '${key}'. Known options: ${known.join(', ')}.`, { field: key });
    }
  }
}

/** scikit-learn's `zero_division`: the value a 0/0 ratio takes ('warn' acts as 0; src/ml prints nothing). */
export type ZeroDivision = 'warn' | 0 | 1;

/** Checks and resolves `zeroDivision` to the number it stands for. */
export function zeroDivisionValue(owner: string, z: unknown): 0 | 1 {
  if (z === undefined || z === 'warn' || z === 0) return 0;
  if (z === 1) return 1;
  throw new CuratorError('INVALID_ARGUMENT', `${owner}: zeroDivision must be "warn", 0 or 1. Got ${JSON.stringify(z)} instead.`, { field: 'zeroDivision' });
}

/** Checks an optional `labels` list: an array of distinct labels of the same kind as y. */
export function checkLabelList(owner: string, labels: readonly Label[] | undefined | null, kindOf: readonly Label[]): Label[] | undefined {
  if (labels === undefined || labels === null) return undefined;
  if (!Array.isArray(labels)) throw new CuratorError('INVALID_ARGUMENT', `${owner}: labels must be an array of labels.`, { field: 'labels' });
  const kind = labelKind(owner, 'labels', labels);
  if (kind !== 'empty' && kindOf.length > 0 && typeof kindOf[0] !== kind) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: labels holds ${kind} labels but y holds ${typeof kindOf[0]} labels.`, { field: 'labels' });
  }
  return [...labels];
}

/** numpy's `np.mean` of a small array (plain left-to-right sum; differences are far below 1e-12). */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** For each label of `present`, its index in `labels` (-1 when not listed), to recode without a lookup per sample. */
export function presentToLabels(present: readonly Label[], labels: readonly Label[]): Int32Array {
  const index = labelIndex(labels);
  return Int32Array.from(present, (l) => index.get(l) ?? -1);
}
