import net from 'node:net';

/*
 * A socket for pg's connections that can hand COPY data straight to a reader. A Node socket
 * normally allocates a fresh 64 KiB ArrayBuffer for every read and passes it through the stream
 * machinery to pg's parser, which copies most of it again to join messages: reading a 6.5 MB
 * model file made ~100 such buffers, all garbage at once, and the collections they triggered
 * cost more than the transfer itself on the bench box. This socket reads into one buffer of its
 * own (`onread`) and splits the server's messages as they pass: while a reader is attached
 * (`divertCopyData`), the payloads of CopyData messages go to it as views of that buffer and
 * everything else goes on to pg, so pg still sees the COPY start, end and finish (or fail) and
 * settles the query as usual. With no reader attached every read is copied and handed to pg
 * whole, as Node would have done.
 */

/**
 * Bytes one read may bring, per pooled connection. While the reader hashes a piece, more data
 * waits in the kernel, and a larger buffer takes it in fewer reads: a whole model load (fresh
 * process, 41 loads, interleaved runs) was fastest at 256 KiB (LinearSVC 7.5-7.8 ms median,
 * against 8.3-8.7 at 64 KiB and 8.0-8.1 at 1 MiB; MultinomialNB 14.2-14.8 against 14.6-16.1
 * and 14.9-15.4). The raw transfer alone showed no difference.
 */
const READ_BYTES = 256 * 1024;
const COPY_DATA = 0x64; // 'd'
const READY_FOR_QUERY = 0x5a; // 'Z'

/**
 * Splits a stream of PostgreSQL backend messages into what pg must see and the payloads of
 * CopyData messages, which go to the attached reader instead while one is attached (until the
 * next ReadyForQuery). Order is kept: everything before a payload piece is forwarded first.
 */
export class CopyDataSplitter {
  /** Type of the message being read; -1 between messages. */
  private type = -1;
  private lengthBytes = 0;
  private length = 0;
  private left = 0;
  private swallow = false;
  private reader: ((payload: Buffer) => void) | undefined;

  constructor(private readonly forward: (bytes: Buffer) => void) {}

  /** Sends the CopyData payloads of the next query to `reader` (views: copy what must be kept). */
  divert(reader: (payload: Buffer) => void): void {
    this.reader = reader;
  }

  /** True while a reader is attached. */
  get diverting(): boolean {
    return this.reader !== undefined;
  }

  /** Feeds the next bytes from the server, a view that is overwritten after this call. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    let from = 0; // start of the bytes still to forward
    while (i < n) {
      if (this.type === -1) {
        this.type = chunk[i]!;
        this.lengthBytes = 0;
        this.length = 0;
        this.swallow = this.reader !== undefined && this.type === COPY_DATA;
        if (this.swallow && i > from) this.forward(chunk.subarray(from, i));
        i++;
        if (this.swallow) from = i;
        continue;
      }
      if (this.lengthBytes < 4) {
        this.length = this.length * 256 + chunk[i]!;
        this.lengthBytes++;
        i++;
        if (this.swallow) from = i;
        if (this.lengthBytes === 4) {
          if (this.length < 4) throw new Error(`PostgreSQL message '${String.fromCharCode(this.type)}' with length ${this.length}`);
          this.left = this.length - 4;
          if (this.left === 0) this.endMessage();
        }
        continue;
      }
      const take = Math.min(this.left, n - i);
      if (this.swallow) {
        this.reader!(chunk.subarray(i, i + take));
        from = i + take;
      }
      i += take;
      this.left -= take;
      if (this.left === 0) this.endMessage();
    }
    if (n > from) this.forward(chunk.subarray(from, n));
  }

  private endMessage(): void {
    // The query is over: later CopyData (there is none) would go to pg as usual.
    if (this.type === READY_FOR_QUERY) this.reader = undefined;
    this.type = -1;
  }
}

/**
 * A net.Socket for pg (`stream` option) whose reads land in one reused buffer and pass through
 * a {@link CopyDataSplitter}; pg gets a copy of every byte it should see, as a 'data' event.
 */
export class CopySocket extends net.Socket {
  private readonly splitter: CopyDataSplitter;

  constructor() {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    let splitter: CopyDataSplitter | undefined;
    const onRead = (n: number) => {
      try {
        splitter!.push(buffer.subarray(0, n));
      } catch (error) {
        // Not the protocol any more: pg reports the connection's error and drops it.
        this.destroy(error as Error);
      }
    };
    super({ onread: { buffer, callback: onRead } } as net.SocketConstructorOpts);
    // pg's parser may keep what it is given until the rest of a message arrives: a copy.
    this.splitter = splitter = new CopyDataSplitter((bytes) => void this.emit('data', Buffer.from(bytes)));
  }

  /** Sends the CopyData payloads of the query about to be sent to `reader` instead of pg. */
  divertCopyData(reader: (payload: Buffer) => void): void {
    this.splitter.divert(reader);
  }
}

/**
 * pg's `stream` option: a CopySocket for plain connections. TLS connections keep pg's own
 * socket (pg wraps it after the handshake, and the bytes on it are encrypted).
 */
export function pgStream(config?: { ssl?: unknown }): net.Socket {
  return config?.ssl ? new net.Socket() : new CopySocket();
}
