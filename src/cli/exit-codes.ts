import type { ErrorCode } from '../ml/errors.ts';

/**
 * The CLI's exit codes: one per kind of failure a script can act on. `exitCodeOf` maps every
 * `CuratorError` code to one of them, so no command decides a status by itself.
 */
export const EXIT = {
  OK: 0,
  /** A bug or an I/O failure nobody anticipated. */
  UNEXPECTED: 1,
  /** Bad usage or bad input: unknown option, missing argument, invalid value, unknown label. */
  USAGE: 2,
  /** A task, model, user, group, token or file that does not exist. */
  NOT_FOUND: 3,
  /** It exists already, or a concurrent change won. */
  CONFLICT: 4,
  /** Not possible now: no active model yet, nothing to roll back to, a model that is not a candidate. */
  STATE: 5,
  /** The database (or another service) did not answer. */
  UNAVAILABLE: 6,
  /** A stored model file failed its checksum or format check. */
  INTEGRITY: 7,
} as const;

// Partial: a code added to ErrorCode later maps to UNEXPECTED until it is listed here.
const BY_CODE: Partial<Record<ErrorCode | 'UNAUTHENTICATED' | 'FORBIDDEN', number>> = {
  INVALID_PARAM: EXIT.USAGE,
  UNKNOWN_PARAM: EXIT.USAGE,
  INVALID_ARGUMENT: EXIT.USAGE,
  NOT_FITTED: EXIT.STATE,
  SHAPE_MISMATCH: EXIT.USAGE,
  SINGLE_CLASS: EXIT.USAGE,
  EMPTY_INPUT: EXIT.USAGE,
  INVALID_FEATURES: EXIT.USAGE,
  EMPTY_VOCABULARY: EXIT.USAGE,
  UNKNOWN_LABEL: EXIT.USAGE,
  INVALID_REFERENCE: EXIT.USAGE,
  MODEL_FILE_FOREIGN: EXIT.INTEGRITY,
  MODEL_FILE_VERSION: EXIT.INTEGRITY,
  MODEL_FILE_TRUNCATED: EXIT.INTEGRITY,
  MODEL_FILE_CORRUPT: EXIT.INTEGRITY,
  MODEL_FILE_KIND: EXIT.INTEGRITY,
  CHECKSUM_MISMATCH: EXIT.INTEGRITY,
  NOT_FOUND: EXIT.NOT_FOUND,
  ALREADY_EXISTS: EXIT.CONFLICT,
  CONFLICT: EXIT.CONFLICT,
  INVALID_STATE: EXIT.STATE,
  STORE_UNAVAILABLE: EXIT.UNAVAILABLE,
  UNAUTHENTICATED: EXIT.USAGE,
  FORBIDDEN: EXIT.USAGE,
};

/** The exit code for a `CuratorError` code (1 for a code this table does not know). */
export function exitCodeOf(code: string): number {
  return (BY_CODE as Record<string, number>)[code] ?? EXIT.UNEXPECTED;
}

/** The epilogue of every `--help`. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  unexpected error (a bug, or an I/O failure)
  2  usage or bad input (unknown option, invalid value, unknown label: INVALID_*, UNKNOWN_*)
  3  not found (task, model, user, group, token, file)
  4  conflict (already exists, or a concurrent change won)
  5  not possible now (no active model yet, nothing to roll back to, not a candidate, a skipped build)
  6  database unavailable (cannot be reached or opened)
  7  a stored model file failed its integrity check

Environment: CURATOR_DB (default --db), PORT, HOST, CURATOR_DEMO_SUBSET, CURATOR_DEBUG=1 (stack traces).`;
