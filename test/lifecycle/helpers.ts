import { loadSpamCorpus, type SpamRecord } from '../../src/demo/spam-corpus.ts';
import { createCurator, type Curator } from '../../src/lifecycle/index.ts';
import type { CandidateSpec } from '../../src/lifecycle/index.ts';

let corpus: SpamRecord[] | undefined;

/** `n` emails of the SpamAssassin corpus spread over it (both classes, all five groups), none of those in `avoid`. */
export function emails(n: number, avoid: readonly SpamRecord[] = []): SpamRecord[] {
  corpus ??= loadSpamCorpus();
  const taken = new Set(avoid.map((r) => r.key));
  const pool = corpus.filter((r) => !taken.has(r.key));
  const step = pool.length / n;
  return Array.from({ length: n }, (_, i) => pool[Math.floor(i * step + step / 2)]!);
}

/** Two quick candidates, so behaviour tests do not pay for ten. */
export const QUICK: CandidateSpec[] = [
  { name: 'nb', estimator: 'MultinomialNB', params: { alpha: 1 } },
  { name: 'svm', estimator: 'LinearSVC', params: { C: 1 }, vectorizer: { sublinearTf: true } },
];

/** A curator on SQLite :memory: with users ana, bob, eve (eve in the expert group 'experts') and a task. */
export async function setup(task: Record<string, unknown> = {}): Promise<Curator> {
  const curator = await createCurator({ store: 'sqlite::memory:', predictionLog: { flushIntervalMs: 20 } });
  for (const u of ['ana', 'bob', 'eve']) await curator.addUser(u);
  await curator.addGroup('experts', { expert: true });
  await curator.addMember('eve', 'experts');
  await curator.createTask({ id: 'spam', labels: ['ham', 'spam'], candidates: QUICK, cv: { folds: 3 }, minLabels: { global: 20, user: 40, group: 40 }, ...task });
  return curator;
}

/** Adds the emails and has `userId` label each with its true label; returns the document ids. */
export async function addLabelled(curator: Curator, records: readonly SpamRecord[], userId: string): Promise<number[]> {
  const docs = await curator.addDocuments('spam', records.map((r) => ({ content: r.text, externalId: `${userId}:${r.key}` })));
  await curator.annotateMany('spam', docs.map((d, i) => ({ documentId: d.id, userId, label: records[i]!.label })));
  return docs.map((d) => d.id);
}
