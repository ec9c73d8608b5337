/**
 * The one error type of Curator. Every failure a caller can act on carries a stable `code`;
 * the HTTP layer maps codes to statuses in one table, so nothing else decides a status.
 * It lives in `src/ml` because that layer imports nothing else, and every other layer may import it.
 */
export type ErrorCode =
  | 'INVALID_PARAM'
  | 'UNKNOWN_PARAM'
  | 'INVALID_ARGUMENT'
  | 'NOT_FITTED'
  | 'SHAPE_MISMATCH'
  | 'SINGLE_CLASS'
  | 'EMPTY_INPUT'
  | 'INVALID_FEATURES'
  | 'EMPTY_VOCABULARY'
  | 'UNKNOWN_LABEL'
  | 'MODEL_FILE_FOREIGN'
  | 'MODEL_FILE_VERSION'
  | 'MODEL_FILE_TRUNCATED'
  | 'MODEL_FILE_CORRUPT'
  | 'MODEL_FILE_KIND'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_REFERENCE'
  | 'CHECKSUM_MISMATCH'
  | 'CONFLICT'
  | 'INVALID_STATE'
  | 'STORE_UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN';

/** An error with a stable machine-readable code and, where one applies, the offending field. */
export class CuratorError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CuratorError';
    this.code = code;
    this.field = options.field;
  }
}

/** Thrown when an estimator is used before `fit` (scikit-learn's NotFittedError). */
export class NotFittedError extends CuratorError {
  constructor(estimator: string, method: string) {
    super('NOT_FITTED', `This ${estimator} instance is not fitted yet: call fit() before ${method}().`);
    this.name = 'NotFittedError';
  }
}
