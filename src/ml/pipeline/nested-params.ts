import { CuratorError } from '../errors.ts';
import type { Estimator } from '../base/types.ts';

/** A named sub-estimator: a pipeline step or an ensemble member. */
export type NamedEstimator = readonly [name: string, estimator: Estimator];

/**
 * Deep params as scikit-learn's `get_params(deep=True)` shows them: each sub-estimator under its
 * name, and its own params as `name__param` (recursively, so `outer__inner__alpha` works).
 */
export function nestedParams(named: readonly NamedEstimator[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, est] of named) {
    out[name] = est;
    for (const [key, value] of Object.entries(est.getParams())) out[`${name}__${key}`] = value;
  }
  return out;
}

/** What `planParams` found in a `setParams` call. */
export interface ParamPlan {
  /** The sub-estimator list after a replaced list and replaced members (not yet applied). */
  list: NamedEstimator[];
  /** The owner's own params that were given (e.g. voting, weights), still to be checked by the owner. */
  own: Record<string, unknown>;
  /** Applies the nested `name__param` values to the sub-estimators of `list`; already checked. */
  commit(): void;
}

/**
 * Sorts a `setParams` call of a composite estimator into: the list param (`steps`/`estimators`),
 * other own params, whole-member replacements (`clf: new LinearSVC()`), and nested `name__param`
 * values. The new list goes through `checkList` and nested values are tried on clones first, so a
 * bad value throws before anything changes.
 */
export function planParams(
  owner: string,
  listKey: string,
  noun: string,
  current: readonly NamedEstimator[],
  ownKeys: readonly string[],
  params: Record<string, unknown>,
  checkList: (list: readonly NamedEstimator[]) => void,
): ParamPlan {
  if (params === null || typeof params !== 'object') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}.setParams takes a params object.`, { field: 'params' });
  }
  let list = [...current];
  if (Object.hasOwn(params, listKey)) {
    const given = params[listKey];
    if (!Array.isArray(given)) {
      throw new CuratorError('INVALID_PARAM', `The '${listKey}' parameter of ${owner} must be a list of [name, estimator] pairs.`, { field: listKey });
    }
    list = [...(given as NamedEstimator[])];
  }
  const own: Record<string, unknown> = {};
  const nested = new Map<string, Record<string, unknown>>();
  const names = () => list.map(([n]) => n);
  for (const key of Object.keys(params)) {
    if (key === listKey) continue;
    if (ownKeys.includes(key)) {
      own[key] = params[key];
      continue;
    }
    const i = names().indexOf(key);
    if (i >= 0) {
      list[i] = [key, params[key] as Estimator];
      continue;
    }
    const cut = key.indexOf('__');
    if (cut > 0 && names().includes(key.slice(0, cut))) {
      const name = key.slice(0, cut);
      const p = nested.get(name) ?? {};
      p[key.slice(cut + 2)] = params[key];
      nested.set(name, p);
      continue;
    }
    const known = [listKey, ...ownKeys, ...names()].join(', ');
    throw new CuratorError('UNKNOWN_PARAM', `${owner} has no parameter '${key}'. Known parameters: ${known}, and '<${noun}>__<param>' for a ${noun}'s own parameters.`, { field: key });
  }
  checkList(list);
  for (const [name, p] of nested) {
    const est = list.find(([n]) => n === name)![1];
    try {
      est.clone().setParams(p);
    } catch (e) {
      if (!(e instanceof CuratorError)) throw e;
      throw new CuratorError(e.code, `${owner} ${noun} '${name}': ${e.message}`, { field: e.field === undefined ? name : `${name}__${e.field}`, cause: e });
    }
  }
  return {
    list,
    own,
    commit() {
      for (const [name, p] of nested) list.find(([n]) => n === name)![1].setParams(p);
    },
  };
}
