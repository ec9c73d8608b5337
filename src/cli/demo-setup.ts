import { loadSpamCorpus } from '../demo/spam-corpus.ts';
import type { Curator } from '../lifecycle/index.ts';
import { CuratorError } from '../ml/errors.ts';
import { createProgress } from './progress.ts';

/** Options of {@link loadDemo}. */
export interface DemoOptions {
  /** Default 'spam'. */
  readonly taskId?: string;
  /** Load only this many emails, spread evenly over the corpus (both classes, all five groups); default all 6,046. */
  readonly subset?: number;
  /** Cross-validation folds of the demo task (default 12). */
  readonly folds?: number;
  /** Show a progress bar on stderr (default true). */
  readonly progress?: boolean;
}

/** What {@link loadDemo} stored. */
export interface DemoLoaded {
  readonly taskId: string;
  readonly documents: number;
  readonly labels: Readonly<Record<string, number>>;
}

/** The demo's people: ana and bob label emails; ana is in the expert group, whose labels win. */
export const DEMO_USERS = [{ id: 'ana', name: 'Ana (expert annotator)' }, { id: 'bob', name: 'Bob' }] as const;

/**
 * Loads the SpamAssassin public corpus as a labelled task: the task (ham/spam, ten default
 * candidates), the demo users and expert group, every email as a document (external id
 * `group/id`) labelled by ana. Documents and labels go in one transaction; a task that already
 * holds documents is refused (CONFLICT) and left alone.
 *
 * @example await loadDemo(curator, { subset: 600 });
 */
export async function loadDemo(curator: Curator, options: DemoOptions = {}): Promise<DemoLoaded> {
  const taskId = options.taskId ?? 'spam';
  const store = curator.store;
  if (options.subset !== undefined && (!Number.isSafeInteger(options.subset) || options.subset < 20)) {
    throw new CuratorError('INVALID_ARGUMENT', `demo subset must be an integer ≥ 20; got ${JSON.stringify(options.subset)}`, { field: 'subset' });
  }
  const existing = await store.corpus.getTask(taskId);
  if (existing !== undefined && (await store.listing.countDocuments(taskId)) > 0) {
    throw new CuratorError('ALREADY_EXISTS', `task '${taskId}' already holds documents; load the demo into another task (--task) or another database (--db)`, { field: 'task' });
  }
  let records = loadSpamCorpus();
  if (options.subset !== undefined && options.subset < records.length) {
    const step = records.length / options.subset;
    records = Array.from({ length: options.subset }, (_, i) => records[Math.floor(i * step)]!);
  }
  if (existing === undefined) {
    await curator.createTask({
      id: taskId, labels: ['ham', 'spam'],
      description: 'Spam filter on the SpamAssassin public corpus (demo)',
      ...(options.folds === undefined ? {} : { cv: { folds: options.folds } }),
    });
  }
  for (const u of DEMO_USERS) if ((await store.corpus.getUser(u.id)) === undefined) await curator.addUser(u.id, u.name);
  if ((await store.corpus.getGroup('experts')) === undefined) {
    await curator.addGroup('experts', { expert: true, description: 'annotators whose labels win disagreements' });
    await curator.addMember('ana', 'experts');
  }
  const bar = options.progress === false ? undefined : createProgress('demo');
  const labels: Record<string, number> = { ham: 0, spam: 0 };
  const BATCH = 500;
  try {
    await store.transaction(async (tx) => {
      for (let start = 0; start < records.length; start += BATCH) {
        const chunk = records.slice(start, start + BATCH);
        const docs = await tx.corpus.addDocuments(taskId, chunk.map((r) => ({ content: r.text, externalId: r.key, authorId: 'ana', metadata: { group: r.group } })));
        for (let i = 0; i < chunk.length; i++) {
          await tx.corpus.annotate({ documentId: docs[i]!.id, userId: 'ana', label: chunk[i]!.label });
          labels[chunk[i]!.label]!++;
        }
        bar?.update(start + chunk.length, records.length, 'emails');
      }
    });
  } finally {
    bar?.stop();
  }
  return { taskId, documents: records.length, labels };
}
