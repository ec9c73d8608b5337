import { createHash, webcrypto } from 'node:crypto';

/** SHA-256 of bytes, as lowercase hex: what a model row records for its blob. */
export function sha256OfBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * SHA-256 of bytes, as lowercase hex, computed on libuv's thread pool: the caller's thread is
 * free meanwhile (the bytes are copied first, so the caller may use them while it runs).
 */
export async function sha256OfBytesOffThread(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}
