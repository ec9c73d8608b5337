import { NotFittedError } from '../errors.ts';
import { resolveParams, type ParamTable } from './params.ts';
import type { Json, ModelState } from './types.ts';

/**
 * The estimator contract, written once: the constructor only stores checked params, `fit` does
 * the work, `getParams`/`setParams`/`clone` come for free, and using learned state before fit
 * throws NotFittedError. Learned state lives in fields ending in `_`, like scikit-learn's.
 */
export abstract class BaseEstimator<P extends object> {
  readonly kind: string;
  protected readonly table: ParamTable<P>;
  protected params: P;

  protected constructor(kind: string, table: ParamTable<P>, params: Partial<P> = {}) {
    this.kind = kind;
    this.table = table;
    this.params = resolveParams(kind, table, params);
  }

  /** A copy of the current params. */
  getParams(): P {
    return { ...this.params };
  }

  /** Checks and merges new params; learned state is kept (refit to apply). */
  setParams(params: Partial<P>): this {
    this.params = resolveParams(this.kind, this.table, { ...this.params, ...params });
    return this;
  }

  /** An unfitted estimator with the same params, like `new Ctor(e.getParams())`. */
  clone(): this {
    const Ctor = this.constructor as new (p: Partial<P>) => this;
    return new Ctor(this.getParams());
  }

  /** True once fit (or a load) has produced learned state. */
  abstract get isFitted(): boolean;

  /** Throws NotFittedError naming the method when not fitted. */
  protected assertFitted(method: string): void {
    if (!this.isFitted) throw new NotFittedError(this.kind, method);
  }

  /** The params as JSON for a model file header. */
  protected paramsJson(): Record<string, Json> {
    return JSON.parse(JSON.stringify(this.params)) as Record<string, Json>;
  }

  /** Starts a state object with this estimator's kind and params. */
  protected baseState(): ModelState {
    return { kind: this.kind, params: this.paramsJson(), meta: {}, arrays: {}, children: {} };
  }
}
