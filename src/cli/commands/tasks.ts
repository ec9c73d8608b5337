import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { TaskDefinition } from '../../lifecycle/index.ts';
import { CuratorError } from '../../ml/errors.ts';
import { GLOBAL } from '../../store/types.ts';
import { emit, intAtLeast, withCommon, withCurator, type CommonOptions } from '../common.ts';
import { table } from '../table.ts';

interface AddOptions extends CommonOptions {
  labels?: string;
  description?: string;
  folds?: number;
  candidates?: string;
  minLabels?: number;
  config?: string;
}

/** `curator tasks add|ls|show`: the prediction problems (label set, candidates, CV, triggers). */
export function registerTasks(program: Command): void {
  const tasks = program.command('tasks').description('create, list and show tasks');

  withCommon(
    tasks.command('add').description('create a task (settings not given keep their defaults: ten candidates, 12-fold CV, growth trigger)')
      .argument('<id>', 'task id (letters, digits, _ . -)')
      .option('--labels <list>', 'comma-separated labels, e.g. ham,spam')
      .option('--description <text>', 'what the task predicts')
      .option('--folds <k>', 'cross-validation folds (default 12)', intAtLeast(2))
      .option('--candidates <names>', 'comma-separated default candidates to keep, e.g. MultinomialNB+tfidf,LinearSVC+tfidf_sub_min2 (classifiers MultinomialNB, LinearSVC, LogisticRegression, KNN5dist, SGDhinge × vectorizers tfidf, tfidf_sub_min2)')
      .option('--min-labels <n>', 'fewest resolved labels for a global model (default 20)', intAtLeast(2))
      .option('--config <file>', 'a JSON task definition (TaskDefinition); flags override it'),
  ).action(async (id: string, opts: AddOptions) => {
    const def = await definition(id, opts);
    await withCurator(opts, async (curator) => {
      const task = await curator.createTask(def);
      const { config } = await curator.task(task.id);
      emit(opts, { id: task.id, labels: task.labels, description: task.description, config }, () =>
        `task '${task.id}' created: labels ${task.labels.join(', ')}; ${config.candidates.length} candidate(s), ${config.cv.folds}-fold CV`);
    });
  });

  withCommon(tasks.command('ls').description('list tasks with their corpus size and active global model')).action(async (opts: CommonOptions) => {
    await withCurator(opts, async (curator) => {
      const rows: { id: string; labels: readonly string[]; documents: number; activeModelId: number | null; createdAt: string }[] = [];
      for (const t of await curator.store.listing.tasks()) {
        const active = await curator.registry.promotions.activeAt(t.id, GLOBAL);
        rows.push({ id: t.id, labels: t.labels, documents: await curator.store.listing.countDocuments(t.id), activeModelId: active?.id ?? null, createdAt: t.createdAt.toISOString() });
      }
      emit(opts, { items: rows }, () => table(['ID', 'Labels', 'Documents', 'Active model', 'Created'], rows.map((t) => [t.id, t.labels.join(', '), String(t.documents), t.activeModelId === null ? '-' : `#${t.activeModelId}`, t.createdAt])));
    });
  });

  withCommon(tasks.command('show').description('a task with its resolved settings').argument('<id>', 'task id')).action(async (id: string, opts: CommonOptions) => {
    await withCurator(opts, async (curator) => {
      const { task, config } = await curator.task(id);
      const documents = await curator.store.listing.countDocuments(task.id);
      const active = await curator.registry.promotions.activeAt(task.id, GLOBAL);
      const data = { id: task.id, labels: task.labels, description: task.description, documents, activeModelId: active?.id ?? null, config };
      emit(opts, data, () => `task ${task.id}: labels ${task.labels.join(', ')}; ${documents} documents; active global model ${active ? `#${active.id}` : '-'}\n${JSON.stringify(config, null, 2)}`);
    });
  });
}

/** The task definition from --config and the flags (flags win); checked fully by createTask. */
async function definition(id: string, opts: AddOptions): Promise<TaskDefinition> {
  let base: Partial<TaskDefinition> = {};
  if (opts.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.config, 'utf8');
    } catch {
      throw new CuratorError('NOT_FOUND', `cannot read ${opts.config}`, { field: 'config' });
    }
    try {
      base = JSON.parse(text) as Partial<TaskDefinition>;
    } catch (e) {
      throw new CuratorError('INVALID_ARGUMENT', `${opts.config} is not JSON: ${(e as Error).message}`, { field: 'config' });
    }
    if (base === null || typeof base !== 'object' || Array.isArray(base)) throw new CuratorError('INVALID_ARGUMENT', `${opts.config} must hold a JSON object`, { field: 'config' });
  }
  const labels = opts.labels === undefined ? base.labels : opts.labels.split(',').map((l) => l.trim()).filter((l) => l !== '');
  if (labels === undefined) throw new CuratorError('INVALID_ARGUMENT', 'a task needs --labels (e.g. --labels ham,spam) or labels in --config', { field: 'labels' });
  let candidates = base.candidates;
  if (opts.candidates !== undefined) {
    const { defaultCandidateSpecs } = await import('../../lifecycle/candidates.ts');
    const all = defaultCandidateSpecs();
    candidates = opts.candidates.split(',').map((n) => n.trim()).map((name) => {
      const spec = all.find((c) => c.name === name);
      if (spec === undefined) throw new CuratorError('INVALID_ARGUMENT', `unknown candidate '${name}'; the defaults are ${all.map((c) => c.name).join(', ')}`, { field: 'candidates' });
      return spec;
    });
  }
  return {
    ...base, id, labels,
    ...(opts.description === undefined ? {} : { description: opts.description }),
    ...(candidates === undefined ? {} : { candidates }),
    ...(opts.folds === undefined ? {} : { cv: { ...base.cv, folds: opts.folds } }),
    ...(opts.minLabels === undefined ? {} : { minLabels: { ...base.minLabels, global: opts.minLabels } }),
  };
}
