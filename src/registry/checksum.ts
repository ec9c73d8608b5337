import { createHash } from 'node:crypto';

/** SHA-256 of bytes, as lowercase hex: what a model row records for its blob. */
export function sha256OfBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
