import type { BuildOutcome, BuildRequest } from '../lifecycle/build.ts';
import { CuratorError, type ErrorCode } from '../ml/errors.ts';
import type { JobProgress } from './job-engine.ts';

/** What a build worker is started with. */
export interface BuildWorkerData {
  /** The store URL the worker opens its own connection to (never `sqlite::memory:`). */
  readonly url: string;
  /** Least time between two progress-detail writes to the job row. */
  readonly progressWriteMs: number;
}

/** Main thread → worker. */
export type ToWorker =
  | { readonly type: 'run'; readonly jobId: number; readonly attempt: number; readonly request: BuildRequest }
  | { readonly type: 'close' };

/** An error as it crosses the thread boundary (structured clone keeps neither class nor code). */
export interface WireError {
  readonly message: string;
  readonly name: string;
  readonly code?: string;
  readonly field?: string;
  readonly stack?: string;
}

/** Worker → main thread. */
export type FromWorker =
  | { readonly type: 'progress'; readonly jobId: number; readonly progress: JobProgress }
  | { readonly type: 'done'; readonly jobId: number; readonly outcome: BuildOutcome }
  | { readonly type: 'failed'; readonly jobId: number; readonly error: WireError }
  | { readonly type: 'closed' };

/** An error as a message. */
export function toWire(error: unknown): WireError {
  if (error instanceof CuratorError) return { name: error.name, message: error.message, code: error.code, ...(error.field === undefined ? {} : { field: error.field }), ...(error.stack ? { stack: error.stack } : {}) };
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

/** The error again, a CuratorError with its code and field when it was one. */
export function fromWire(w: WireError): Error {
  const e = w.code !== undefined ? new CuratorError(w.code as ErrorCode, w.message, w.field === undefined ? {} : { field: w.field }) : new Error(w.message);
  if (w.code === undefined) e.name = w.name;
  if (w.stack !== undefined) e.stack = w.stack;
  return e;
}
