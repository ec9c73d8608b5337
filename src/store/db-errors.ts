import { CuratorError, type ErrorCode } from '../ml/errors.ts';
import type { ConstraintKind, StoreDialect } from './capabilities.ts';

/** What to tell the caller when a statement breaks a constraint of a given kind. */
export type ConstraintMessages = Partial<Record<ConstraintKind, string>> & { field?: string };

const CODES: Record<ConstraintKind, ErrorCode> = {
  unique: 'ALREADY_EXISTS',
  foreign_key: 'INVALID_REFERENCE',
  check: 'INVALID_ARGUMENT',
  not_null: 'INVALID_ARGUMENT',
};

const DEFAULT_MESSAGES: Record<ConstraintKind, string> = {
  unique: 'a row with the same key already exists',
  foreign_key: 'a referenced row does not exist (or is still referenced)',
  check: 'a value is outside its allowed set',
  not_null: 'a required value is missing',
};

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', '57P01', '08006', '08001']);

/**
 * Runs a statement and turns driver errors into CuratorErrors: constraint violations get the
 * code of their kind (unique → ALREADY_EXISTS, foreign key → INVALID_REFERENCE), a lost
 * connection STORE_UNAVAILABLE; anything else passes through untouched.
 */
export async function guarded<T>(dialect: StoreDialect, run: () => Promise<T>, messages: ConstraintMessages = {}): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translateError(dialect, error, messages);
  }
}

/** The coded form of a driver error (see `guarded`). */
export function translateError(dialect: StoreDialect, error: unknown, messages: ConstraintMessages = {}): unknown {
  if (error instanceof CuratorError) return error;
  const kind = dialect.classifyError(error);
  const options = { cause: error, ...(messages.field === undefined ? {} : { field: messages.field }) };
  if (kind !== undefined) return new CuratorError(CODES[kind], messages[kind] ?? DEFAULT_MESSAGES[kind], options);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return new CuratorError('STORE_UNAVAILABLE', `the database (${dialect.label}) is unreachable: ${code}`, { cause: error });
  }
  return error;
}
