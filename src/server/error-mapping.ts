import { CuratorError, type ErrorCode } from '../ml/errors.ts';

/**
 * The one table from CuratorError codes to HTTP statuses. Codes about what the caller sent are
 * 4xx; codes about what is stored (a corrupt model file) or the database are 5xx.
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  INVALID_PARAM: 400,
  UNKNOWN_PARAM: 400,
  INVALID_ARGUMENT: 400,
  SHAPE_MISMATCH: 400,
  SINGLE_CLASS: 400,
  EMPTY_INPUT: 400,
  INVALID_FEATURES: 400,
  EMPTY_VOCABULARY: 400,
  UNKNOWN_LABEL: 400,
  INVALID_REFERENCE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  INVALID_STATE: 409,
  NOT_FITTED: 409,
  MODEL_FILE_FOREIGN: 500,
  MODEL_FILE_VERSION: 500,
  MODEL_FILE_TRUNCATED: 500,
  MODEL_FILE_CORRUPT: 500,
  MODEL_FILE_KIND: 500,
  CHECKSUM_MISMATCH: 500,
  STORE_UNAVAILABLE: 503,
};

/** Codes of failures fastify itself detects before a handler runs, by HTTP status. */
const HTTP_CODES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** The JSON error body of every 4xx/5xx answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field: string | null };
}

/** One issue of fastify's schema validation (the type provider's shape of a zod issue). */
interface ValidationIssue {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** `/documents/0/content` → `documents[0].content`. */
function fieldOf(instancePath: string | undefined): string {
  const parts = (instancePath ?? '').split('/').filter((p) => p !== '');
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out === '' ? p : `${out}.${p}`), '');
}

/** A readable sentence for a failed schema check, naming the field and the problem. */
function validationError(issues: readonly ValidationIssue[], context: string | undefined): { message: string; field: string | null } {
  const where = context ?? 'request';
  const parts = issues.map((issue) => {
    const base = fieldOf(issue.instancePath);
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params?.['keys'])) {
      const keys = (issue.params['keys'] as unknown[]).map(String);
      const named = keys.map((k) => (base === '' ? k : `${base}.${k}`));
      return { field: named[0]!, text: `${where} has unknown field${keys.length > 1 ? 's' : ''} ${named.map((k) => `'${k}'`).join(', ')} (not allowed)` };
    }
    const field = base;
    const label = field === '' ? where : `${where} field '${field}'`;
    return { field, text: `${label}: ${issue.message ?? 'is invalid'}` };
  });
  const first = parts[0];
  return { message: parts.map((p) => p.text).join('; ') || `${where} is invalid`, field: first === undefined || first.field === '' ? null : first.field };
}

/**
 * The HTTP status and JSON body for any error a request ends with: a CuratorError by its code;
 * fastify's validation, JSON parse, body size, media type and rate-limit errors by their status,
 * with a message that names the field and the problem; anything else is a 500 without detail.
 */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof CuratorError) {
    return { status: ERROR_STATUS[error.code] ?? 500, body: { error: { code: error.code, message: error.message, field: error.field ?? null } } };
  }
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown; validation?: unknown; validationContext?: unknown };
  if (e !== null && typeof e === 'object' && Array.isArray(e.validation)) {
    const { message, field } = validationError(e.validation as ValidationIssue[], typeof e.validationContext === 'string' ? e.validationContext : undefined);
    return { status: 400, body: { error: { code: 'INVALID_ARGUMENT', message, field } } };
  }
  const status = e !== null && typeof e === 'object' && typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const message = typeof e.message === 'string' ? e.message : `request failed with status ${status}`;
    const code = e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError ? 'INVALID_JSON' : (HTTP_CODES[status] ?? 'BAD_REQUEST');
    const text = code === 'INVALID_JSON' ? `body is not valid JSON: ${message}` : code === 'UNSUPPORTED_MEDIA_TYPE' ? `${message}: send JSON with content-type application/json` : message;
    return { status, body: { error: { code, message: text, field: code === 'INVALID_JSON' ? 'body' : null } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error (logged on the server)', field: null } } };
}

/** An error with an HTTP status for the few failures that are not CuratorErrors (route not found). */
export function httpError(status: number, code: string, message: string): Error & { statusCode: number; code: string } {
  return Object.assign(new Error(message), { statusCode: status, code });
}
