import { CuratorError, NotFittedError } from '../errors.ts';
import { is, resolveParams, type ParamTable } from '../base/params.ts';
import type { Classifier, Estimator, Json, ModelState } from '../base/types.ts';
import { DenseMatrix } from '../dense/dense-matrix.ts';
import { nestedParams, planParams, type NamedEstimator } from '../pipeline/nested-params.ts';
import type { PipelineInput } from '../pipeline/pipeline.ts';

/** Voting rule and member weights (scikit-learn's `voting` and `weights`). */
export type VotingParams = {
  /** 'hard': weighted majority of predicted labels; 'soft': argmax of the weighted mean of predictProba. */
  voting: 'hard' | 'soft';
  /** One weight per estimator, or null for equal weights. */
  weights: number[] | null;
};

/** A member as the ensemble uses it: a classifier or a classifying pipeline. */
interface Member {
  readonly classes: readonly string[];
  readonly hasPredictProba?: boolean;
  fit(X: unknown, y: readonly string[]): unknown;
  predict(X: unknown): string[];
  predictProba?(X: unknown): DenseMatrix;
  clone(): Estimator;
}

const isWeightList = (v: unknown): boolean => Array.isArray(v) && v.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0) && v.some((w) => w > 0);

const TABLE: ParamTable<VotingParams> = {
  voting: { default: 'hard', allowed: [is.oneOf('hard', 'soft')] },
  weights: { default: null, allowed: [is.null(), is.custom('a list of finite numbers ≥ 0, not all zero', isWeightList)] },
};
const OWN_KEYS = ['voting', 'weights'] as const;

/**
 * Combines classifiers (or pipelines, so members may each vectorize texts their own way) by
 * weighted voting, with scikit-learn's VotingClassifier semantics: 'hard' counts each member's
 * predicted label with its weight, ties going to the first class in sorted order; 'soft' averages
 * the members' predictProba with the weights and takes the argmax. `fit` fits a clone of each
 * member; `VotingClassifier.fromFitted` blends members that are already fitted.
 *
 * @example
 *   const vote = new VotingClassifier([['nb', nbPipeline], ['lr', lrPipeline]], { voting: 'soft', weights: [1, 2] });
 *   vote.fit(texts, labels).predictProba(['free money']);
 */
export class VotingClassifier implements Classifier {
  readonly kind = 'VotingClassifier';
  private estimators_: NamedEstimator[];
  private params: VotingParams;
  private fitted_: { members: Member[]; classes: readonly string[] } | undefined;

  constructor(estimators: readonly NamedEstimator[], params: Partial<VotingParams> = {}) {
    checkEstimators(estimators);
    this.params = resolveParams('VotingClassifier', TABLE, params);
    checkWeightCount(this.params.weights, estimators.length);
    this.estimators_ = estimators.map(([n, e]) => [n, e] as const);
  }

  /**
   * An already fitted ensemble of already fitted members (no refit), e.g. to blend a user's,
   * a group's and the global model. Their classes must be identical.
   */
  static fromFitted(estimators: readonly NamedEstimator[], params: Partial<VotingParams> = {}): VotingClassifier {
    const vote = new VotingClassifier(estimators.map(([n, e]) => [n, e.clone()] as const), params);
    estimators.forEach(([name, e]) => {
      if (!e.isFitted) throw new CuratorError('INVALID_ARGUMENT', `VotingClassifier.fromFitted: estimator '${name}' (${e.kind}) is not fitted.`, { field: 'estimators' });
    });
    vote.fitted_ = checkMembers(estimators, (msg) => new CuratorError('INVALID_ARGUMENT', `VotingClassifier.fromFitted: ${msg}.`, { field: 'estimators' }));
    return vote;
  }

  /** The unfitted member templates as [name, estimator] pairs (fit trains clones of them). */
  get estimators(): NamedEstimator[] {
    return [...this.estimators_];
  }

  /** The fitted members by name, like scikit-learn's `named_estimators_`. */
  get namedEstimators(): Record<string, Estimator> {
    this.assertFitted('namedEstimators');
    return Object.fromEntries(this.estimators_.map(([n], i) => [n, this.fitted_!.members[i] as unknown as Estimator]));
  }

  /** `estimators`, `voting`, `weights`, each member under its name and its params as `name__param`. */
  getParams(): Record<string, unknown> {
    return { estimators: this.estimators, voting: this.params.voting, weights: this.params.weights === null ? null : [...this.params.weights], ...nestedParams(this.estimators_) };
  }

  /**
   * Sets `estimators`, `voting`, `weights`, replaces a member (`{ nb: new ComplementNB() }`) or
   * sets a member's param (`{ nb__alpha: 0.5 }`); all checked before any is applied. As in
   * scikit-learn, fitted members keep their state until the next fit, and `voting`/`weights`
   * apply at once; changing the number of members drops the fitted state.
   */
  setParams(params: Record<string, unknown>): this {
    const plan = planParams('VotingClassifier', 'estimators', 'estimator', this.estimators_, OWN_KEYS, params, checkEstimators);
    const next = resolveParams('VotingClassifier', TABLE, { ...this.params, ...(plan.own as Partial<VotingParams>) });
    checkWeightCount(next.weights, plan.list.length);
    if (plan.list.length !== this.estimators_.length) this.fitted_ = undefined;
    this.estimators_ = plan.list;
    this.params = next;
    plan.commit();
    return this;
  }

  /** An unfitted ensemble with a clone of every member. */
  clone(): VotingClassifier {
    return new VotingClassifier(this.estimators_.map(([n, e]) => [n, e.clone()] as const), this.getOwnParams());
  }

  get isFitted(): boolean {
    return this.fitted_ !== undefined;
  }

  /** The classes every member agrees on (sorted). */
  get classes(): readonly string[] {
    this.assertFitted('classes');
    return this.fitted_!.classes;
  }

  /** True when voting is 'soft' (a hard-voting ensemble has no probabilities, as in scikit-learn). */
  get hasPredictProba(): boolean {
    return this.params.voting === 'soft';
  }

  /** Fits a clone of every member on (X, y). */
  fit(X: PipelineInput, y: readonly string[]): this {
    if (this.params.voting === 'soft') {
      for (const [name, e] of this.estimators_) {
        if (!canPredictProba(e as unknown as Member)) {
          throw new CuratorError('INVALID_PARAM', `VotingClassifier: voting='soft' needs predictProba, but estimator '${name}' (${e.kind}) has none; use voting='hard'.`, { field: 'voting' });
        }
      }
    }
    const fitted = this.estimators_.map(([n, e]) => {
      const m = e.clone();
      (m as unknown as Member).fit(X, y);
      return [n, m] as const;
    });
    this.fitted_ = checkMembers(fitted, (msg) => new CuratorError('INVALID_ARGUMENT', `VotingClassifier.fit: ${msg}.`, { field: 'estimators' }));
    return this;
  }

  /** The voted labels. */
  predict(X: PipelineInput): string[] {
    this.assertFitted('predict');
    const { classes } = this.fitted_!;
    const scores = this.params.voting === 'soft' ? this.averageProba(X) : this.countVotes(X);
    const k = classes.length;
    const out = new Array<string>(scores.nRows);
    for (let i = 0; i < scores.nRows; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (scores.data[i * k + c]! > scores.data[i * k + best]!) best = c;
      out[i] = classes[best]!;
    }
    return out;
  }

  /** The weighted mean of the members' probabilities (soft voting only). */
  predictProba(X: PipelineInput): DenseMatrix {
    this.assertFitted('predictProba');
    if (this.params.voting !== 'soft') {
      throw new CuratorError('INVALID_ARGUMENT', "VotingClassifier.predictProba is not available when voting='hard'; set voting='soft'.", { field: 'voting' });
    }
    return this.averageProba(X);
  }

  /** The fitted state: one child per member (`estimators.0`, ...), names and classes in meta. */
  toState(): ModelState {
    this.assertFitted('toState');
    const children: Record<string, ModelState> = {};
    this.fitted_!.members.forEach((m, i) => {
      children[`estimators.${i}`] = (m as unknown as Estimator).toState();
    });
    const meta = { names: this.estimators_.map(([n]) => n), classes: [...this.fitted_!.classes] };
    return { kind: this.kind, params: this.getOwnParams() as Record<string, Json>, meta, arrays: {}, children };
  }

  /** Rebuilds a fitted ensemble; `restore` rebuilds each member (see Pipeline.fromState). */
  static fromState(state: ModelState, restore: (s: ModelState) => Estimator): VotingClassifier {
    const corrupt = (why: string) => new CuratorError('MODEL_FILE_CORRUPT', `The model file's VotingClassifier is damaged: ${why}.`);
    if (state.kind !== 'VotingClassifier') throw corrupt(`expected a VotingClassifier state, got ${state.kind}`);
    const names = state.meta['names'];
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw corrupt("meta 'names' is not a list of names");
    if (Object.keys(state.children).length !== names.length) throw corrupt(`${names.length} member names but ${Object.keys(state.children).length} members`);
    const members = names.map((name, i) => {
      const child = state.children[`estimators.${i}`];
      if (child === undefined) throw corrupt(`member ${i} ('${name}') is missing`);
      return [name as string, restore(child)] as const;
    });
    const vote = new VotingClassifier(members.map(([n, e]) => [n, e.clone()] as const), state.params as Partial<VotingParams>);
    vote.fitted_ = checkMembers(members, corrupt);
    if (JSON.stringify(state.meta['classes']) !== JSON.stringify(vote.fitted_.classes)) throw corrupt("meta 'classes' disagrees with the members' classes");
    return vote;
  }

  private getOwnParams(): VotingParams {
    return { voting: this.params.voting, weights: this.params.weights === null ? null : [...this.params.weights] };
  }

  /** Per document and class, the summed weights of the members that predicted that class. */
  private countVotes(X: PipelineInput): DenseMatrix {
    const { members, classes } = this.fitted_!;
    const index = new Map(classes.map((c, i) => [c, i]));
    const k = classes.length;
    let votes: DenseMatrix | undefined;
    members.forEach((m, j) => {
      const pred = m.predict(X);
      votes ??= new DenseMatrix(pred.length, k);
      const w = this.params.weights?.[j] ?? 1;
      for (let i = 0; i < pred.length; i++) {
        const c = index.get(pred[i]!);
        if (c === undefined) throw new CuratorError('UNKNOWN_LABEL', `VotingClassifier: estimator ${j} predicted ${JSON.stringify(pred[i])}, which is not one of its classes.`);
        votes!.data[i * k + c]! += w;
      }
    });
    return votes!;
  }

  /** np.average(probas, axis=0, weights): members summed in order, then divided by the weight sum. */
  private averageProba(X: PipelineInput): DenseMatrix {
    const { members, classes } = this.fitted_!;
    const weights = this.params.weights;
    let acc: Float64Array | undefined;
    let nRows = 0;
    members.forEach((m, j) => {
      const p = m.predictProba!(X);
      if (p.nCols !== classes.length || (acc !== undefined && p.nRows !== nRows)) {
        throw new CuratorError('SHAPE_MISMATCH', `VotingClassifier: estimator ${j} returned ${p.nRows}×${p.nCols} probabilities; expected ${classes.length} columns.`);
      }
      const w = weights === null ? 1 : weights[j]!;
      if (acc === undefined) {
        nRows = p.nRows;
        acc = weights === null ? p.data.slice() : p.data.map((v) => v * w);
      } else if (weights === null) {
        for (let t = 0; t < acc.length; t++) acc[t]! += p.data[t]!;
      } else {
        for (let t = 0; t < acc.length; t++) acc[t]! += p.data[t]! * w;
      }
    });
    let total = 0;
    if (weights === null) total = members.length;
    else for (const w of weights) total += w;
    for (let t = 0; t < acc!.length; t++) acc![t]! /= total;
    return new DenseMatrix(nRows, classes.length, acc!);
  }

  private assertFitted(method: string): void {
    if (!this.isFitted) throw new NotFittedError('VotingClassifier', method);
  }
}

/** Whether a member offers probabilities: composites say so (`hasPredictProba`), others by having the method. */
function canPredictProba(m: Member): boolean {
  return m.hasPredictProba ?? typeof m.predictProba === 'function';
}

function checkMembers(named: readonly NamedEstimator[], fail: (msg: string) => CuratorError): { members: Member[]; classes: readonly string[] } {
  const members = named.map(([, e]) => e as unknown as Member);
  const classes = members[0]!.classes;
  members.forEach((m, i) => {
    if (m.classes.length !== classes.length || m.classes.some((c, j) => c !== classes[j])) {
      throw fail(`estimator '${named[i]![0]}' has classes ${JSON.stringify(m.classes)} but '${named[0]![0]}' has ${JSON.stringify(classes)}; every estimator must have the same classes`);
    }
  });
  return { members, classes: [...classes] };
}

function checkWeightCount(weights: number[] | null, n: number): void {
  if (weights !== null && weights.length !== n) {
    throw new CuratorError('INVALID_PARAM', `The 'weights' parameter of VotingClassifier must have one weight per estimator (${n}). Got ${weights.length} instead.`, { field: 'weights' });
  }
}

function checkEstimators(estimators: readonly NamedEstimator[]): void {
  const bad = (why: string) => new CuratorError('INVALID_PARAM', `The 'estimators' parameter of VotingClassifier ${why}.`, { field: 'estimators' });
  if (!Array.isArray(estimators) || estimators.length === 0) throw bad('must be a non-empty list of [name, classifier] pairs');
  const seen = new Set<string>();
  estimators.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw bad(`must hold [name, classifier] pairs; item ${i} is not one`);
    const [name, est] = pair as unknown as [unknown, Partial<Member & Estimator> | null];
    if (typeof name !== 'string' || name === '') throw bad(`must name every estimator with a non-empty string; item ${i} has ${JSON.stringify(name)}`);
    if (name.includes('__')) throw bad(`must not use '__' in names ('${name}'): it separates estimator and param in setParams`);
    if (['estimators', ...OWN_KEYS].includes(name)) throw bad(`must not name an estimator '${name}': that is one of the ensemble's own parameters`);
    if (seen.has(name)) throw bad(`must have unique names; '${name}' appears twice`);
    seen.add(name);
    if (est === null || typeof est !== 'object' || typeof est.fit !== 'function' || typeof est.predict !== 'function' || typeof est.clone !== 'function') {
      throw bad(`must hold classifiers; '${name}' has no fit() and predict()`);
    }
  });
}
