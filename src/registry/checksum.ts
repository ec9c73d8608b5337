import { createHash } from 'node:crypto';
import { Blake3Hasher, blake3 } from '@napi-rs/blake-hash';

/** SHA-256 of bytes, as lowercase hex: what a model row records for its blob. */
export function sha256OfBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * BLAKE3 of bytes, as lowercase hex: what a model row records for its blob so that loads can
 * check it. Like SHA-256 it is a cryptographic hash (a tampered blob cannot be made to match),
 * and it runs ~3.5x faster here (4.7 MB: 0.77 ms against 2.7 ms with the CPU's SHA
 * instructions), which is most of what a load from PostgreSQL spends on the main thread.
 */
export function blake3OfBytes(bytes: Uint8Array): string {
  return blake3(asBuffer(bytes)).toString('hex');
}

/** A hash fed piece by piece, e.g. with a blob's bytes as they arrive from the database. */
export interface HashStream {
  update(chunk: Uint8Array): void;
  /** The digest as lowercase hex; call once, after the last piece. */
  hex(): string;
}

/** Starts a SHA-256 over bytes that come in pieces; the digest equals `sha256OfBytes` of them joined. */
export function sha256Stream(): HashStream {
  const hash = createHash('sha256');
  return {
    update: (chunk) => void hash.update(chunk),
    hex: () => hash.digest('hex'),
  };
}

/** Starts a BLAKE3 over bytes that come in pieces; the digest equals `blake3OfBytes` of them joined. */
export function blake3Stream(): HashStream {
  const hash = new Blake3Hasher();
  return {
    update: (chunk) => void hash.update(asBuffer(chunk)),
    hex: () => hash.digest('hex'),
  };
}

/** The same bytes as a Buffer (a view, no copy): what the binding's types ask for. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
