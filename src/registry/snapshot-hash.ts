import { createHash } from 'node:crypto';
import type { ResolvedLabel } from './label-resolution.ts';

const VERSION = 'curator-snapshot-v1\n';

/**
 * The content hash of a labelled set: SHA-256 over the sorted (document content hash, label)
 * pairs. It depends on what was labelled how, never on ids or insertion order, so the same
 * labelled data always gives the same hash, on any database.
 */
export function snapshotHash(items: readonly Pick<ResolvedLabel, 'contentHash' | 'label'>[]): string {
  const lines = items.map((i) => `${i.contentHash}\t${JSON.stringify(i.label)}\n`).sort();
  const h = createHash('sha256').update(VERSION);
  for (const line of lines) h.update(line);
  return h.digest('hex');
}
