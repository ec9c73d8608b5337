import type { ColumnDefinitionBuilder, CompiledQuery, Dialect, Kysely } from 'kysely';

/** How a database rejected a statement, so the store can answer with a coded error. */
export type ConstraintKind = 'unique' | 'foreign_key' | 'check' | 'not_null';

/**
 * What differs between the databases Curator runs on, as named facts. Core code reads these
 * flags and never asks which database it is talking to.
 */
export interface DialectCapabilities {
  /** `INSERT … RETURNING` works (otherwise the driver's insert id is used). */
  readonly supportsReturning: boolean;
  /** `SELECT … FOR UPDATE` exists (SQLite has a single writer and needs none). */
  readonly supportsRowLocks: boolean;
  /** Column type of auto-increment primary keys; `StoreDialect.identity` adds the rest. */
  readonly identityType: 'integer' | 'bigserial';
  /** Column type for raw bytes: stored as-is, never base64. */
  readonly blobType: 'blob' | 'bytea';
  /** Most bind parameters one statement may carry: bounds multi-row INSERT batches. */
  readonly maxBindParameters: number;
  /** JSON is stored as text on every backend and parsed by the mappers. */
  readonly jsonStorage: 'text';
  /** Deleted rows give their space back to the file (SQLite incremental vacuum), not only to the database. */
  readonly reclaimsFileSpace: boolean;
  /**
   * A large bytes value arrives in pieces while the rest is still in flight (`readLargeBytes`),
   * so a checksum fed with them is done when the read is; otherwise the value comes in one
   * call and the pieces are handed over after it.
   */
  readonly streamsBytes: boolean;
}

/** A backend: Kysely's dialect plus the few things Kysely leaves to us. */
export interface StoreDialect {
  /** For messages and logs only; never branch on it. */
  readonly label: string;
  readonly capabilities: DialectCapabilities;
  readonly kysely: Dialect;
  /** Namespace holding Curator's tables, where the backend has namespaces and one was chosen. */
  readonly schema?: string;
  /** Declares an auto-increment integer primary key on `col`. */
  identity(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Which constraint a driver error reports, if it is a constraint violation. */
  classifyError(error: unknown): ConstraintKind | undefined;
  /** Hands space freed by deletions back to the operating system where the backend can. */
  reclaimSpace(db: Kysely<never>): Promise<void>;
  /** Runs before migrations (e.g. create the PostgreSQL schema). */
  prepare?(db: Kysely<never>): Promise<void>;
  /**
   * Stores a column of large, already-compressed-or-incompressible blobs without trying to
   * compress them (PostgreSQL: TOAST storage EXTERNAL). Absent where there is nothing to tune.
   */
  tuneBlobColumn?(db: Kysely<never>, table: string, column: string): Promise<void>;
  /**
   * Reads one large value — a one-column select of bytes matching at most one row — outside
   * any transaction, handing its bytes to `options.onBytes` in order as they arrive
   * (PostgreSQL: sliced on the server, sent by binary COPY). Resolves to the value, null when
   * no row matched, or undefined to say "use the ordinary query". Present where `streamsBytes`.
   */
  readLargeBytes?(query: CompiledQuery, options: LargeBytesOptions): Promise<Uint8Array | null | undefined>;
  /**
   * `row` (a select of at most one row) and then `readLargeBytes(query)`, in one round trip on
   * one connection. Resolves to the row as the driver gives it (undefined when none matched) and
   * the value (null when no row matched), or undefined to say "use the ordinary queries".
   * Present where `streamsBytes`, optional even there.
   */
  readRowAndLargeBytes?(row: CompiledQuery, query: CompiledQuery, options: LargeBytesOptions): Promise<{ row: Record<string, unknown> | undefined; value: Uint8Array | null } | undefined>;
}

/** How a large value is read: the size expected, and who sees its bytes as they arrive. */
export interface LargeBytesOptions {
  /**
   * The size the caller expects (e.g. the model row's blob size), so the buffer is allocated
   * once; a backend that learns the size with the value (PostgreSQL's sliced COPY) ignores it.
   */
  readonly sizeHint?: number;
  /**
   * Sees every byte of the value exactly once, in order. `chunk` is a view of `value`: the
   * buffer the whole value is being written into, at its full length, whose bytes up to the
   * chunk's end are final (a reader may start on them, e.g. ModelFileReader).
   */
  readonly onBytes?: (chunk: Uint8Array, value: Uint8Array) => void;
}
