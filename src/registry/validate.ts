import { CuratorError } from '../ml/errors.ts';
import type { Scope } from '../store/index.ts';

/*
 * Checks at the registry's public boundary. Every failure is INVALID_ARGUMENT and names the
 * function and the field, e.g. "register: estimator must be a non-empty string; got 42".
 */

const show = (v: unknown): string => {
  if (v instanceof Uint8Array) return `${v.constructor.name}(${v.length})`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

function fail(fn: string, field: string, want: string, got: unknown): never {
  throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${field} must be ${want}; got ${show(got)}`, { field });
}

export function text(fn: string, field: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') fail(fn, field, 'a non-empty string', v);
  return v;
}

export function optionalText(fn: string, field: string, v: unknown): string | null {
  return v === undefined || v === null ? null : text(fn, field, v);
}

export function finite(fn: string, field: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(fn, field, min === -Infinity ? 'a finite number' : `a finite number ≥ ${min}`, v);
  return v;
}

export function positiveInt(fn: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(fn, field, 'a positive integer', v);
  return v;
}

export function optionalId(fn: string, field: string, v: unknown): number | null {
  return v === undefined || v === null ? null : positiveInt(fn, field, v);
}

export function date(fn: string, field: string, v: unknown): Date {
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) fail(fn, field, 'a valid Date', v);
  return v;
}

export function bytes(fn: string, field: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length === 0) fail(fn, field, 'a non-empty Uint8Array', v);
  return v;
}

/** A plain JSON object whose numbers are finite (JSON would silently turn NaN into null). */
export function jsonObject(fn: string, field: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(fn, field, 'a plain object', v);
  const check = (x: unknown, path: string): void => {
    if (x === null || typeof x === 'string' || typeof x === 'boolean') return;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) fail(fn, path, 'JSON (finite numbers only)', x);
      return;
    }
    if (Array.isArray(x)) return x.forEach((e, i) => check(e, `${path}[${i}]`));
    if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
      for (const [k, e] of Object.entries(x)) check(e, `${path}.${k}`);
      return;
    }
    fail(fn, path, 'JSON (objects, arrays, strings, finite numbers, booleans, null)', typeof x);
  };
  check(v, field);
  return v as Record<string, unknown>;
}

export function scope(fn: string, field: string, v: unknown): Scope {
  const s = v as Partial<{ kind: string; groupId: unknown; userId: unknown }> | null;
  if (typeof s !== 'object' || s === null) fail(fn, field, "a scope ({ kind: 'global' | 'group' | 'user' })", v);
  if (s.kind === 'global') return { kind: 'global' };
  if (s.kind === 'group') return { kind: 'group', groupId: text(fn, `${field}.groupId`, s.groupId) };
  if (s.kind === 'user') return { kind: 'user', userId: text(fn, `${field}.userId`, s.userId) };
  return fail(fn, `${field}.kind`, "'global', 'group' or 'user'", s.kind);
}

/** A readable scope for messages. */
export function scopeName(s: Scope): string {
  return s.kind === 'global' ? 'global' : s.kind === 'group' ? `group '${s.groupId}'` : `user '${s.userId}'`;
}

export function sameScope(a: Scope, b: Scope): boolean {
  return scopeName(a) === scopeName(b);
}
