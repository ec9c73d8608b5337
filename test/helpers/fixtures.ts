import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpamCorpus, type SpamRecord } from '../../src/demo/spam-corpus.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Reads a committed scikit-learn fixture from `fixtures/`. */
export function readFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(ROOT, 'fixtures', name), 'utf8')) as T;
}

let corpus: Map<string, SpamRecord> | undefined;

/** The emails with these keys (`group/id`), in the given order, from the installed corpus package. */
export function docsByKey(keys: readonly string[]): SpamRecord[] {
  corpus ??= new Map(loadSpamCorpus().map((r) => [r.key, r]));
  return keys.map((k) => {
    const r = corpus!.get(k);
    if (!r) throw new Error(`fixture names an email not in the corpus: ${k}`);
    return r;
  });
}
