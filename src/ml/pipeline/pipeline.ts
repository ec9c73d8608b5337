import { CuratorError, NotFittedError } from '../errors.ts';
import type { Classifier, Estimator, ModelState, TextInput } from '../base/types.ts';
import type { DenseMatrix } from '../dense/dense-matrix.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import { nestedParams, planParams, type NamedEstimator } from './nested-params.ts';

/** What a pipeline accepts: raw texts, texts analyzed once (AnalyzedDocs), or a feature matrix. */
export type PipelineInput = TextInput | CsrMatrix;

/** One step: its name (used in `name__param` keys and `namedSteps`) and its estimator. */
export type PipelineStep = NamedEstimator;

/** The duck-typed view of a step; which methods it really has is checked before each call. */
interface StepMethods {
  fit(input: unknown, y?: readonly string[]): unknown;
  transform?(input: unknown): unknown;
  fitTransform?(input: unknown, y?: readonly string[]): unknown;
  predict?(input: unknown): string[];
  predictProba?(input: unknown): DenseMatrix;
  decisionFunction?(input: unknown): DenseMatrix;
  analyze?(texts: readonly string[]): TextInput;
  readonly classes?: readonly string[];
}

/**
 * A chain of transformers ending in a classifier (or a transformer), like scikit-learn's Pipeline:
 * `fit` fits each transformer on the previous one's output and then the last step; `predict`
 * runs the same chain. The input goes to the first step unchanged, so texts and AnalyzedDocs work.
 * Steps are fitted in place (no clone), as in scikit-learn.
 *
 * @example
 *   const pipe = new Pipeline([['tfidf', new TfidfVectorizer()], ['clf', new MultinomialNB()]]);
 *   pipe.fit(texts, labels).predict(['win money now']);
 *   pipe.setParams({ clf__alpha: 0.1 });
 */
export class Pipeline implements Classifier {
  readonly kind = 'Pipeline';
  private steps_: PipelineStep[];

  constructor(steps: readonly PipelineStep[]) {
    checkSteps(steps);
    this.steps_ = steps.map(([n, e]) => [n, e] as const);
  }

  /** The [name, estimator] pairs, in order (a copy of the list; the estimators themselves). */
  get steps(): PipelineStep[] {
    return [...this.steps_];
  }

  /** Steps by name, like scikit-learn's `named_steps`. */
  get namedSteps(): Record<string, Estimator> {
    return Object.fromEntries(this.steps_);
  }

  /** The last step. */
  get finalEstimator(): Estimator {
    return this.steps_[this.steps_.length - 1]![1];
  }

  /** `steps`, each step under its name, and each step's params as `name__param`. */
  getParams(): Record<string, unknown> {
    return { steps: this.steps, ...nestedParams(this.steps_) };
  }

  /**
   * Sets `steps`, replaces a step by name (`{ clf: new LinearSVC() }`) or sets a step's param
   * (`{ clf__C: 10 }`). All values are checked before any is applied.
   */
  setParams(params: Record<string, unknown>): this {
    const plan = planParams('Pipeline', 'steps', 'step', this.steps_, [], params, checkSteps);
    this.steps_ = plan.list;
    plan.commit();
    return this;
  }

  /** An unfitted pipeline with a clone of every step. */
  clone(): Pipeline {
    return new Pipeline(this.steps_.map(([n, e]) => [n, e.clone()] as const));
  }

  /** True when every step is fitted. */
  get isFitted(): boolean {
    return this.steps_.every(([, e]) => e.isFitted);
  }

  /** The final classifier's classes (sorted labels seen in fit). */
  get classes(): readonly string[] {
    this.assertFitted('classes');
    const last = this.last();
    if (last.classes === undefined) throw this.missing('classes', 'classes');
    return last.classes;
  }

  /** Fits every transformer on the previous step's output, then the final step on (output, y). */
  fit(input: PipelineInput, y?: readonly string[]): this {
    let x: unknown = input;
    for (let i = 0; i < this.steps_.length - 1; i++) {
      const step = this.steps_[i]![1] as unknown as StepMethods;
      x = step.fitTransform !== undefined ? step.fitTransform(x, y) : (step.fit(x, y), step.transform!(x));
    }
    const last = this.finalEstimator as unknown as StepMethods;
    if (y === undefined) last.fit(x);
    else last.fit(x, y);
    return this;
  }

  /** Fits, then transforms with every step; the final step must be a transformer. */
  fitTransform(input: PipelineInput, y?: readonly string[]): CsrMatrix {
    const last = this.last();
    if (last.transform === undefined) throw this.missing('fitTransform', 'transform');
    let x: unknown = input;
    for (const [, e] of this.steps_) {
      const step = e as unknown as StepMethods;
      x = step.fitTransform !== undefined ? step.fitTransform(x, y) : (step.fit(x, y), step.transform!(x));
    }
    return x as CsrMatrix;
  }

  /** Runs the input through every step; the final step must be a transformer. */
  transform(input: PipelineInput): CsrMatrix {
    this.assertFitted('transform');
    const last = this.last();
    if (last.transform === undefined) throw this.missing('transform', 'transform');
    return last.transform(this.features(input)) as CsrMatrix;
  }

  /** Labels predicted by the final classifier. */
  predict(input: PipelineInput): string[] {
    this.assertFitted('predict');
    const last = this.last();
    if (last.predict === undefined) throw this.missing('predict', 'predict');
    return last.predict(this.features(input));
  }

  /** Class probabilities from the final classifier (columns in `classes` order). */
  predictProba(input: PipelineInput): DenseMatrix {
    this.assertFitted('predictProba');
    const last = this.last();
    if (last.predictProba === undefined) throw this.missing('predictProba', 'predictProba');
    return last.predictProba(this.features(input));
  }

  /** Decision values from the final classifier (one column for two classes). */
  decisionFunction(input: PipelineInput): DenseMatrix {
    this.assertFitted('decisionFunction');
    const last = this.last();
    if (last.decisionFunction === undefined) throw this.missing('decisionFunction', 'decisionFunction');
    return last.decisionFunction(this.features(input));
  }

  /** True when the final step offers predictProba (soft voting needs it). */
  get hasPredictProba(): boolean {
    const last = this.finalEstimator as unknown as StepMethods & { hasPredictProba?: boolean };
    return last.hasPredictProba ?? typeof last.predictProba === 'function';
  }

  /**
   * Analyzes texts with the first step when it can (a vectorizer's `analyze`), so cross-validation
   * tokenizes once and every fold reuses the result; otherwise returns the texts unchanged, which
   * the pipeline accepts just the same.
   */
  analyze(texts: readonly string[]): TextInput {
    const first = this.steps_[0]![1] as unknown as StepMethods;
    return typeof first.analyze === 'function' ? first.analyze(texts) : texts;
  }

  /** The fitted state: one child per step (`steps.0`, `steps.1`, ...), step names in meta. */
  toState(): ModelState {
    this.assertFitted('toState');
    const children: Record<string, ModelState> = {};
    this.steps_.forEach(([, e], i) => {
      children[`steps.${i}`] = e.toState();
    });
    return { kind: this.kind, params: {}, meta: { names: this.steps_.map(([n]) => n) }, arrays: {}, children };
  }

  /**
   * Rebuilds a fitted pipeline from its state. `restore` rebuilds each step from its own state
   * (model-kinds passes its `restoreEstimator`), which keeps this file free of the kind table.
   */
  static fromState(state: ModelState, restore: (s: ModelState) => Estimator): Pipeline {
    if (state.kind !== 'Pipeline') throw corrupt(`expected a Pipeline state, got ${state.kind}`);
    const names = state.meta['names'];
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) throw corrupt("meta 'names' is not a list of step names");
    if (Object.keys(state.children).length !== names.length) throw corrupt(`${names.length} step names but ${Object.keys(state.children).length} steps`);
    const steps = names.map((name, i) => {
      const child = state.children[`steps.${i}`];
      if (child === undefined) throw corrupt(`step ${i} ('${name}') is missing`);
      return [name as string, restore(child)] as const;
    });
    return new Pipeline(steps);
  }

  private features(input: PipelineInput): unknown {
    let x: unknown = input;
    for (let i = 0; i < this.steps_.length - 1; i++) x = (this.steps_[i]![1] as unknown as StepMethods).transform!(x);
    return x;
  }

  private last(): StepMethods {
    return this.finalEstimator as unknown as StepMethods;
  }

  private missing(method: string, needed: string): CuratorError {
    const [name, est] = this.steps_[this.steps_.length - 1]!;
    return new CuratorError('INVALID_ARGUMENT', `Pipeline.${method}: the final step '${name}' (${est.kind}) has no ${needed}.`, { field: 'steps' });
  }

  private assertFitted(method: string): void {
    if (!this.isFitted) throw new NotFittedError('Pipeline', method);
  }
}

function corrupt(why: string): CuratorError {
  return new CuratorError('MODEL_FILE_CORRUPT', `The model file's Pipeline is damaged: ${why}.`);
}

/** The rules of scikit-learn's `_validate_steps`: unique names without '__', transformers before the last step. */
function checkSteps(steps: readonly PipelineStep[]): void {
  const bad = (why: string) => new CuratorError('INVALID_PARAM', `The 'steps' parameter of Pipeline ${why}.`, { field: 'steps' });
  if (!Array.isArray(steps) || steps.length === 0) throw bad('must be a non-empty list of [name, estimator] pairs');
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    if (!Array.isArray(step) || step.length !== 2) throw bad(`must hold [name, estimator] pairs; step ${i} is not one`);
    const [name, est] = step as unknown as [unknown, unknown];
    if (typeof name !== 'string' || name === '') throw bad(`must name every step with a non-empty string; step ${i} has ${JSON.stringify(name)}`);
    if (name.includes('__')) throw bad(`must not use '__' in step names ('${name}'): it separates step and param in setParams`);
    if (name === 'steps') throw bad(`must not name a step 'steps': that is the pipeline's own parameter`);
    if (seen.has(name)) throw bad(`must have unique step names; '${name}' appears twice`);
    seen.add(name);
    const e = est as Partial<StepMethods & Estimator> | null;
    if (e === null || typeof e !== 'object' || typeof e.fit !== 'function' || typeof e.clone !== 'function' || typeof e.toState !== 'function') {
      throw bad(`must hold estimators; step '${name}' is not one`);
    }
    if (i < steps.length - 1 && typeof e.transform !== 'function') {
      throw bad(`must have transformers before the last step; '${name}' (${e.kind}) has no transform()`);
    }
  });
}
