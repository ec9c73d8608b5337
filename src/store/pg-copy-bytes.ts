import type pg from 'pg';
import type { CompiledQuery } from 'kysely';
import type { LargeBytesOptions } from './capabilities.ts';
import { CopySocket } from './pg-copy-socket.ts';

/*
 * Reading big bytea values fast. In pg's text protocol a bytea travels as hex: the server
 * hex-encodes it, the driver decodes the message to a JS string and parses the hex (about
 * 0.7 s for 10 MB on the bench box; base64 via encode() is still ~0.15 s). pg's parser cannot
 * take binary results, but it hands COPY data over as raw bytes, so a select is run as
 * `COPY (…) TO STDOUT (FORMAT binary)`: no encoding on either side.
 *
 * One big value is also sliced on the server (see copyOutLargeBytes): PostgreSQL sends each
 * row as one protocol message and pg buffers a whole message before handing it over, growing
 * its buffer by doubling (~2x the value in throw-away buffers, all of it garbage for the GC) and
 * delivering nothing until the last byte is in. Slices of 64 KiB arrive one by one, are copied
 * once into a buffer of the value's size (sent with every slice) and can be hashed while the rest is in flight.
 *
 * On the store's own connections (a CopySocket, see pg-copy-socket.ts) the CopyData bytes do not
 * go through pg at all: the socket hands them to the running CopyOut from its read buffer, so
 * the only copy is the one into the value's buffer, and reading allocates no garbage per read.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (int32), header extension length (int32). */
const HEADER_BYTES = SIGNATURE.length + 8;
/** Bytes per slice of a large value: about one socket read, so pg's parser buffers little. */
export const SLICE_BYTES = 64 * 1024;
/** PostgreSQL's limit on one field value. */
const MAX_BYTEA = 1024 ** 3;

/** Where the bytea values of a binary COPY stream go, as they arrive. */
interface ValueSink<R> {
  /** Fields per tuple: the bytea alone, or two int4 (a sequence number, the whole value's length) and the bytea. */
  readonly fields: 1 | 3;
  /** A value of `length` bytes starts; `seq` and `total` are the tuple's int4s when `fields` is 3. */
  begin(length: number, seq: number, total: number): void;
  /** The next bytes of the current value (a view of a read buffer: copy what must be kept). */
  write(chunk: Buffer): void;
  end(): void;
  result(): R;
}

/** Each value into a buffer of its own, 8-byte aligned when large (the model file loader uses aligned arrays in place). */
class SeparateValues implements ValueSink<Uint8Array[]> {
  readonly fields = 1;
  private readonly values: Uint8Array[] = [];
  private value = Buffer.alloc(0);
  private filled = 0;

  begin(length: number): void {
    this.value = Buffer.allocUnsafe(length);
    this.filled = 0;
  }

  write(chunk: Buffer): void {
    chunk.copy(this.value, this.filled);
    this.filled += chunk.length;
  }

  end(): void {
    const v = this.value;
    this.values.push(new Uint8Array(v.buffer, v.byteOffset, v.length));
  }

  result(): Uint8Array[] {
    return this.values;
  }
}

/** The slices of one value, numbered 0, 1, 2, …, joined into one buffer; null when there was no row. */
class JoinedSlices implements ValueSink<Uint8Array | null> {
  readonly fields = 3;
  private buffer: Buffer = Buffer.alloc(0);
  /** The whole buffer as a plain Uint8Array: the `value` onBytes is given. */
  private value: Uint8Array = new Uint8Array(0);
  private filled = 0;
  private slices = 0;

  constructor(private readonly onBytes: ((chunk: Uint8Array, value: Uint8Array) => void) | undefined) {}

  begin(length: number, seq: number, total: number): void {
    if (seq !== this.slices) throw new Error(`binary COPY: slice ${seq} arrived where slice ${this.slices} was due (more than one row?)`);
    this.slices++;
    // Every slice carries the value's length: the first one allocates the buffer once, its own
    // ArrayBuffer (so offset 0 and 8-byte aligned, as the model file loader wants).
    if (seq === 0) this.setBuffer(Buffer.allocUnsafeSlow(total >= 0 && total <= MAX_BYTEA ? total : 0));
    const need = this.filled + length;
    if (need > this.buffer.length) {
      // More than the value's stated length (the server does not send that): grow rather than fail.
      const grown = Buffer.allocUnsafeSlow(Math.max(need, this.buffer.length * 2, SLICE_BYTES));
      this.buffer.copy(grown, 0, 0, this.filled);
      this.setBuffer(grown);
    }
  }

  write(chunk: Buffer): void {
    chunk.copy(this.buffer, this.filled);
    const start = this.filled;
    this.filled += chunk.length;
    this.onBytes?.(new Uint8Array(this.buffer.buffer, start, chunk.length), this.value);
  }

  private setBuffer(buffer: Buffer): void {
    this.buffer = buffer;
    this.value = new Uint8Array(buffer.buffer, 0, buffer.length);
  }

  end(): void {}

  result(): Uint8Array | null {
    if (this.slices === 0) return null;
    // The same object onBytes saw as `value` when the value filled it, as it always does.
    return this.filled === this.value.length ? this.value : new Uint8Array(this.buffer.buffer, 0, this.filled);
  }
}

/** A row as pg gives it: column name → value through the connection's type parsers. */
export type Row = Record<string, unknown>;
/** pg's type parser lookup (a client's `getTypeParser`, which honours the pool's `types`). */
type TypeParser = (oid: number, format: 'text' | 'binary') => (value: string) => unknown;
/** The parts of pg's RowDescription field this reads. */
interface FieldDescription {
  readonly name: string;
  readonly dataTypeID: number;
  readonly format?: string;
}

/** The one row of a select that runs ahead of the COPY in the same query; a second row is an error. */
class LeadingRow {
  private names: string[] = [];
  private parsers: ((value: string) => unknown)[] = [];
  row: Row | undefined;

  constructor(private readonly typeParser: TypeParser) {}

  describe(fields: readonly FieldDescription[]): void {
    this.names = fields.map((f) => f.name);
    this.parsers = fields.map((f) => this.typeParser(f.dataTypeID, f.format === 'binary' ? 'binary' : 'text'));
  }

  add(values: readonly (string | null)[]): void {
    if (this.row !== undefined) throw new Error('binary COPY: the leading select matched more than one row');
    const row: Row = {};
    for (let i = 0; i < this.names.length; i++) {
      const v = values[i];
      row[this.names[i]!] = v === null || v === undefined ? null : this.parsers[i]!(v);
    }
    this.row = row;
  }
}

/**
 * pg's "submittable" protocol: the client drives it with the server's messages. The binary
 * COPY stream is parsed as it arrives, whatever the message boundaries, and every value's
 * bytes go straight from pg's buffer to the sink.
 */
class CopyOut<R> {
  private error: unknown;
  /** The leading select's row, when the query starts with one (see copyOutRowAndLargeBytes). */
  private readonly leading: LeadingRow | undefined;
  private settle!: { resolve: (value: R) => void; reject: (error: unknown) => void };
  readonly done = new Promise<R>((resolve, reject) => (this.settle = { resolve, reject }));
  /** Bytes of a header or tuple header split across messages. */
  private carry = Buffer.alloc(0);
  private phase: 'header' | 'tuple' | 'value' | 'end' = 'header';
  private need = HEADER_BYTES;
  /** Bytes of the current value still to come. */
  private left = 0;

  constructor(
    private readonly text: string,
    private readonly sink: ValueSink<R>,
    typeParser?: TypeParser,
  ) {
    this.leading = typeParser === undefined ? undefined : new LeadingRow(typeParser);
  }

  /** The leading select's row; undefined when it matched none (or there was no leading select). */
  get row(): Row | undefined {
    return this.leading?.row;
  }

  submit(connection: { query(text: string): void; stream?: unknown }): void {
    // On a CopySocket the data comes straight from the socket's read buffer (see pg-copy-socket.ts).
    if (connection.stream instanceof CopySocket) connection.stream.divertCopyData((chunk) => this.handleCopyData({ chunk }));
    connection.query(this.text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    if (this.error !== undefined) return;
    try {
      this.consume(msg.chunk);
    } catch (error) {
      this.error = error;
    }
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.phase === 'value') {
        const n = Math.min(this.left, chunk.length - off);
        this.sink.write(chunk.subarray(off, off + n));
        this.left -= n;
        off += n;
        if (this.left === 0) this.endValue();
        continue;
      }
      if (this.phase === 'end') throw new Error('binary COPY: data after the trailer');
      const take = Math.min(this.need - this.carry.length, chunk.length - off);
      this.carry = Buffer.concat([this.carry, chunk.subarray(off, off + take)]);
      off += take;
      if (this.carry.length === this.need) this.parseHead();
    }
  }

  private parseHead(): void {
    const head = this.carry;
    if (this.phase === 'header') {
      if (!head.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('binary COPY: no PGCOPY signature');
      const total = HEADER_BYTES + head.readInt32BE(SIGNATURE.length + 4);
      if (head.length < total) {
        this.need = total;
        return;
      }
      this.nextTuple();
      return;
    }
    // A tuple: field count (int16, -1 ends the stream), then per field its length (int32) and
    // bytes: [int4 sequence number, int4 total length,] bytea.
    const fields = head.readInt16BE(0);
    if (fields === -1) {
      this.phase = 'end';
      return;
    }
    if (fields !== this.sink.fields) throw new Error(`binary COPY: expected ${this.sink.fields} column(s), got ${fields}`);
    const headBytes = fields === 1 ? 6 : 22;
    if (head.length < headBytes) {
      this.need = headBytes;
      return;
    }
    let seq = 0;
    let total = 0;
    if (fields === 3) {
      if (head.readInt32BE(2) !== 4 || head.readInt32BE(10) !== 4) throw new Error('binary COPY: the sequence number or total length is not an int4');
      seq = head.readInt32BE(6);
      total = head.readInt32BE(14);
    }
    const len = head.readInt32BE(headBytes - 4);
    if (len < 0) throw new Error('binary COPY: unexpected NULL');
    this.sink.begin(len, seq, total);
    this.left = len;
    this.phase = 'value';
    if (len === 0) this.endValue();
  }

  private endValue(): void {
    this.sink.end();
    this.nextTuple();
  }

  private nextTuple(): void {
    this.phase = 'tuple';
    this.carry = Buffer.alloc(0);
    this.need = 2;
  }

  // pg forgets the query on an error: no ReadyForQuery reaches it afterwards, so settle now.
  handleError(error: unknown): void {
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    if (this.error === undefined && this.phase !== 'end') this.error = new Error('binary COPY: the stream ended early');
    if (this.error === undefined) this.settle.resolve(this.sink.result());
    else this.settle.reject(this.error);
  }

  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('not a COPY FROM');
  }

  handleRowDescription(msg: { fields: readonly FieldDescription[] }): void {
    if (this.leading === undefined) this.error ??= new Error('binary COPY: a row description where none was asked for');
    else this.leading.describe(msg.fields);
  }

  handleDataRow(msg: { fields: readonly (string | null)[] }): void {
    if (this.error !== undefined) return;
    try {
      if (this.leading === undefined || this.phase !== 'header') throw new Error('binary COPY: a data row where none was asked for');
      this.leading.add(msg.fields);
    } catch (error) {
      this.error = error;
    }
  }
  handleEmptyQuery(): void {}
  handleCommandComplete(): void {}
  handlePortalSuspended(): void {}
}

/**
 * The SQL of a compiled query with its parameters written in. COPY takes no parameters, so
 * only safe integers are accepted (they cannot smuggle SQL); anything else returns undefined.
 */
export function inlineIntegerParameters(query: CompiledQuery): string | undefined {
  const params = query.parameters;
  if (!params.every((p) => typeof p === 'number' && Number.isSafeInteger(p))) return undefined;
  return query.sql.replace(/\$(\d+)\b/g, (_, n: string) => String(params[Number(n) - 1]));
}

async function runCopy<R>(pool: pg.Pool, text: string, sink: ValueSink<R>): Promise<R> {
  return (await runCopyWithRow(pool, text, sink, false)).value;
}

async function runCopyWithRow<R>(pool: pg.Pool, text: string, sink: ValueSink<R>, leadingRow: boolean): Promise<{ row: Row | undefined; value: R }> {
  const client = await pool.connect();
  try {
    const copy = new CopyOut(text, sink, leadingRow ? (oid, format) => client.getTypeParser(oid, format) as (value: string) => unknown : undefined);
    const value = await (client.query(copy as never) as CopyOut<R>).done;
    return { row: copy.row, value };
  } finally {
    client.release();
  }
}

/**
 * Runs a one-column select of non-null bytea through binary COPY on a pooled connection and
 * returns the values in row order. Undefined when the query has parameters COPY cannot carry,
 * so the caller takes the ordinary path.
 */
export async function copyOutBytes(pool: pg.Pool, query: CompiledQuery): Promise<Uint8Array[] | undefined> {
  const select = inlineIntegerParameters(query);
  if (select === undefined) return undefined;
  return runCopy(pool, `COPY (${select}) TO STDOUT (FORMAT binary)`, new SeparateValues());
}

/**
 * Reads one non-null bytea — a one-column select matching at most one row — in slices cut on
 * the server (substr of a TOAST value stored EXTERNAL fetches only that slice's chunks), and
 * joins them into one 8-byte-aligned buffer. Each slice carries the value's length, so the
 * buffer is allocated once from the first one (`options.sizeHint` is not needed here). Null when
 * no row matched; undefined when the query has parameters COPY cannot carry. More than one row
 * is an error. The column should be a stored one: an expression would be evaluated again for
 * every slice.
 */
export async function copyOutLargeBytes(pool: pg.Pool, query: CompiledQuery, options: LargeBytesOptions = {}): Promise<Uint8Array | null | undefined> {
  const copy = slicedCopy(query);
  if (copy === undefined) return undefined;
  return runCopy(pool, copy, new JoinedSlices(options.onBytes));
}

/**
 * copyOutLargeBytes preceded by `row`, a select of at most one row, sent as one simple query on
 * one connection: one round trip and one server process instead of two concurrent queries
 * (which on a model load that has just woken up delayed the value's first byte by ~1 ms: two
 * backends to wake, and two results to take apart at once). The row is parsed with the pool's
 * type parsers, as pg would. Undefined when either query has parameters COPY cannot carry.
 */
export async function copyOutRowAndLargeBytes(
  pool: pg.Pool,
  row: CompiledQuery,
  query: CompiledQuery,
  options: LargeBytesOptions = {},
): Promise<{ row: Row | undefined; value: Uint8Array | null } | undefined> {
  const select = inlineIntegerParameters(row);
  const copy = slicedCopy(query);
  if (select === undefined || copy === undefined) return undefined;
  return runCopyWithRow(pool, `${select}; ${copy}`, new JoinedSlices(options.onBytes), true);
}

/** The binary COPY that sends a one-column bytea select in numbered slices (see copyOutLargeBytes). */
function slicedCopy(query: CompiledQuery): string | undefined {
  const select = inlineIntegerParameters(query);
  if (select === undefined) return undefined;
  // An empty value still gives one (empty) slice, so "no row" and "empty" stay apart.
  const sliced =
    `select k::int4, octet_length(v.b)::int4, substr(v.b, k * ${SLICE_BYTES} + 1, ${SLICE_BYTES}) from (${select}) as v(b) ` +
    `cross join lateral generate_series(0, greatest(0, (octet_length(v.b) - 1) / ${SLICE_BYTES})) as k`;
  return `COPY (${sliced}) TO STDOUT (FORMAT binary)`;
}
