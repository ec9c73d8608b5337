import { CuratorError } from '../errors.ts';

/** One declared constraint on a parameter value. */
export type Constraint =
  | { type: 'number'; integer?: boolean; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly (string | number | boolean | null)[] }
  | { type: 'null' }
  | { type: 'custom'; describe: string; test: (value: unknown) => boolean };

/** A parameter's default and the constraints it may satisfy (any one of them). */
export interface ParamSpec<V> {
  default: V;
  allowed: readonly Constraint[];
}

/** The table of every parameter of an estimator: one entry per key of its params object. */
export type ParamTable<P> = { [K in keyof P]-?: ParamSpec<P[K]> };

function describeConstraint(c: Constraint): string {
  switch (c.type) {
    case 'number': {
      const kind = c.integer ? 'an int' : 'a float';
      const parts: string[] = [];
      if (c.min !== undefined) parts.push(`${c.minExclusive ? '>' : '≥'} ${c.min}`);
      if (c.max !== undefined) parts.push(`${c.maxExclusive ? '<' : '≤'} ${c.max}`);
      return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
    }
    case 'boolean':
      return 'a boolean';
    case 'enum':
      return `one of ${c.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'null':
      return 'null';
    case 'custom':
      return c.describe;
  }
}

function satisfies(c: Constraint, v: unknown): boolean {
  switch (c.type) {
    case 'number':
      if (typeof v !== 'number' || Number.isNaN(v)) return false;
      if (c.integer && !Number.isInteger(v)) return false;
      if (!c.integer && !Number.isFinite(v) && c.max === undefined) return false;
      if (c.min !== undefined && (c.minExclusive ? v <= c.min : v < c.min)) return false;
      if (c.max !== undefined && (c.maxExclusive ? v >= c.max : v > c.max)) return false;
      return true;
    case 'boolean':
      return typeof v === 'boolean';
    case 'enum':
      return c.values.includes(v as string);
    case 'null':
      return v === null;
    case 'custom':
      return c.test(v);
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/**
 * Merges `given` over the table's defaults and checks every value, so every estimator reports a bad
 * parameter the same way: "The 'alpha' parameter of MultinomialNB must be a float ≥ 0. Got -1 instead."
 */
export function resolveParams<P extends object>(owner: string, table: ParamTable<P>, given: Partial<P> = {}): P {
  if (given === null || typeof given !== 'object') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner} takes a params object. Got ${show(given)} instead.`);
  }
  const out: Record<string, unknown> = {};
  const known = Object.keys(table);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      throw new CuratorError(
        'UNKNOWN_PARAM',
        `${owner} has no parameter '${key}'. Known parameters: ${known.join(', ')}.`,
        { field: key },
      );
    }
  }
  for (const key of known) {
    const spec = (table as Record<string, ParamSpec<unknown>>)[key]!;
    const value = (given as Record<string, unknown>)[key];
    const v = value === undefined ? spec.default : value;
    if (!spec.allowed.some((c) => satisfies(c, v))) {
      const expected = spec.allowed.map(describeConstraint).join(' or ');
      throw new CuratorError(
        'INVALID_PARAM',
        `The '${key}' parameter of ${owner} must be ${expected}. Got ${show(v)} instead.`,
        { field: key },
      );
    }
    out[key] = v;
  }
  return out as P;
}

/** Shorthands for the common constraints, so tables read like scikit-learn's `_parameter_constraints`. */
export const is = {
  float: (opts: Omit<Extract<Constraint, { type: 'number' }>, 'type' | 'integer'> = {}): Constraint => ({ type: 'number', ...opts }),
  int: (opts: Omit<Extract<Constraint, { type: 'number' }>, 'type' | 'integer'> = {}): Constraint => ({ type: 'number', integer: true, ...opts }),
  bool: (): Constraint => ({ type: 'boolean' }),
  oneOf: (...values: (string | number | boolean | null)[]): Constraint => ({ type: 'enum', values }),
  null: (): Constraint => ({ type: 'null' }),
  custom: (describe: string, test: (v: unknown) => boolean): Constraint => ({ type: 'custom', describe, test }),
};
