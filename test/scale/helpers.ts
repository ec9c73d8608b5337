/*
 * Shared setup of the scale-out tests and bench: the real PostgreSQL (a schema per run, dropped
 * afterwards) and Redis (queue names and key prefixes unique per run, obliterated afterwards).
 * When either is unreachable the tests skip with the reason, except under CI, where they fail.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { dropSchema, IN_CI, probePostgres, probeRedis } from '../helpers/services.ts';
import { STAGES } from '../../src/jobs/bullmq-queues.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { emails, QUICK } from '../lifecycle/helpers.ts';

export const PG_URL = process.env.CURATOR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.CURATOR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export { IN_CI };

/** Why the scale tests cannot run here (undefined when PostgreSQL and Redis both answer). */
export async function scaleProblem(): Promise<string | undefined> {
  const [p, r] = await Promise.all([probePostgres(PG_URL), probeRedis(REDIS_URL)]);
  const parts = [p && `PostgreSQL at ${PG_URL}: ${p}`, r && `Redis at ${REDIS_URL}: ${r}`].filter(Boolean);
  return parts.length === 0 ? undefined : `${parts.join('; ')} unreachable`;
}

/** A fresh PostgreSQL schema and unique queue names for one test file or bench run. */
export interface ScaleEnv {
  readonly dbUrl: string;
  readonly schema: string;
  readonly queue: string;
  readonly prefix: string;
  dispose(): Promise<void>;
}

export async function scaleEnv(tag: string): Promise<ScaleEnv> {
  const id = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const schema = `curator_${tag}_${id}`;
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  const dbUrl = url.toString();
  const queue = `curator-${tag}-${id}`;
  const prefix = `ct${id}`;
  const store = await openStore(dbUrl); // migrate once, here, not racing in every child
  await store.close();
  return {
    dbUrl, schema, queue, prefix,
    async dispose() {
      for (const stage of STAGES) {
        const q = new Queue(`${queue}-${stage}`, { connection: { url: REDIS_URL }, prefix });
        await q.obliterate({ force: true }).catch(() => {});
        await q.close();
      }
      const r = new Redis(REDIS_URL);
      const keys = await r.keys(`${prefix}:*`);
      if (keys.length > 0) await r.del(...keys);
      r.disconnect();
      await dropSchema(PG_URL, schema);
    },
  };
}

/** Creates task `taskId` with `n` labelled SpamAssassin emails (user ana), QUICK candidates, `folds` folds and only the manual trigger. */
export async function seedTask(store: Store, taskId: string, n: number, folds = 3, candidates: readonly unknown[] = QUICK, extra: Record<string, unknown> = {}): Promise<void> {
  const { createCurator } = await import('../../src/lifecycle/index.ts');
  const curator = await createCurator({ store, jobs: { engine: 'in-process' } });
  if ((await store.corpus.getUser('ana')) === undefined) await curator.addUser('ana');
  await curator.createTask({ id: taskId, labels: ['ham', 'spam'], candidates: candidates as never, cv: { folds }, minLabels: { global: 20, user: 40, group: 40 }, triggers: [{ kind: 'manual' }], ...extra });
  await addLabelled(store, taskId, emails(n));
  await curator.close();
}

/** Adds labelled emails to a task (user ana). */
export async function addLabelled(store: Store, taskId: string, mails: readonly { text: string; label: string }[]): Promise<void> {
  const { createCurator } = await import('../../src/lifecycle/index.ts');
  const curator = await createCurator({ store, jobs: { engine: 'in-process' } });
  const docs = await curator.addDocuments(taskId, mails.map((m) => ({ content: m.text })));
  await curator.annotateMany(taskId, docs.map((d, i) => ({ documentId: d.id, userId: 'ana', label: mails[i]!.label })));
  await curator.close();
}

/** Waits until `fn` is truthy (polling), or fails after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000, every = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Four quick candidates, so a cv sub-job (one fold, every candidate) lasts long enough to be killed in. */
export const FOUR = [
  { name: 'nb', estimator: 'MultinomialNB', params: { alpha: 1 } },
  { name: 'cnb', estimator: 'ComplementNB', params: { alpha: 0.5 } },
  { name: 'svm', estimator: 'LinearSVC', params: { C: 1 }, vectorizer: { sublinearTf: true } },
  { name: 'logreg', estimator: 'LogisticRegression', params: { C: 10 }, vectorizer: { sublinearTf: true } },
];
