import { createHash } from 'node:crypto';

/** SHA-256 of bytes, as lowercase hex: what a model row records for its blob. */
export function sha256OfBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A SHA-256 fed piece by piece, e.g. with a blob's bytes as they arrive from the database. */
export interface Sha256Stream {
  update(chunk: Uint8Array): void;
  /** The digest as lowercase hex; call once, after the last piece. */
  hex(): string;
}

/** Starts a SHA-256 over bytes that come in pieces; the digest equals `sha256OfBytes` of them joined. */
export function sha256Stream(): Sha256Stream {
  const hash = createHash('sha256');
  return {
    update: (chunk) => void hash.update(chunk),
    hex: () => hash.digest('hex'),
  };
}
