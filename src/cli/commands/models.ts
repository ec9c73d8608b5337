import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { CuratorError } from '../../ml/errors.ts';
import type { Model, ModelFilter, ModelStatus, Scope } from '../../store/index.ts';
import {
  defaultActor, emit, finiteNumber, intAtLeast, isoDate, modelId, parseScope, scopeText, withCommon, withCurator, type CommonOptions,
} from '../common.ts';
import { fmt, table } from '../table.ts';

const STATUSES: readonly ModelStatus[] = ['candidate', 'active', 'retired', 'failed', 'quarantined'];

interface LsOptions extends CommonOptions {
  task?: string;
  scope?: Scope;
  status?: ModelStatus;
  estimator?: string;
  minScore?: number;
  maxScore?: number;
  createdAfter?: Date;
  createdBefore?: Date;
  orderBy: 'createdAt' | 'score';
  limit: number;
  cursor?: string;
}

interface ChangeOptions extends CommonOptions {
  reason: string;
  actor: string;
}

/** A model as the CLI prints it in JSON: the seed's columns plus scope, status and provenance. */
export function modelJson(m: Model): Record<string, unknown> {
  return {
    id: m.id, task: m.taskId, scope: scopeText(m.scope), status: m.status, estimator: m.estimator, hyperparameters: m.hyperparameters,
    buildTimeMs: m.buildTimeMs, score: m.score, scoreMetric: m.scoreMetric, blobSize: m.blobSize, blobSha256: m.blobSha256,
    snapshotId: m.snapshotId, jobId: m.jobId, parentId: m.parentId, createdBy: m.createdBy,
    createdAt: m.createdAt.toISOString(), statusChangedAt: m.statusChangedAt.toISOString(),
  };
}

function modelRows(models: readonly Model[]): string {
  return table(
    ['ID', 'Task', 'Scope', 'Status', 'Model', 'Score', 'Build time', 'Size', 'Created'],
    models.map((m) => [
      String(m.id), m.taskId, scopeText(m.scope), m.status, m.estimator, `${fmt(m.score)}${m.scoreMetric ? ` ${m.scoreMetric}` : ''}`,
      m.buildTimeMs < 1000 ? `${m.buildTimeMs.toFixed(0)} ms` : `${(m.buildTimeMs / 1000).toFixed(1)} s`, `${(m.blobSize / 1e6).toFixed(2)} MB`, m.createdAt.toISOString().slice(0, 19).replace('T', ' '),
    ]),
  );
}

/** `curator models ls|show|promote|rollback|retire|export`: the registry from the command line. */
export function registerModels(program: Command): void {
  const models = program.command('models').description('list, inspect, promote, roll back, retire and export models');

  withCommon(
    models
      .command('ls')
      .description('list models, newest first (filters combine)')
      .option('--task <id>', 'only this task')
      .option('--scope <scope>', "'global', 'group:<id>' or 'user:<id>'", parseScope)
      .addOption(new Option('--status <status>', 'only this status').choices(STATUSES))
      .option('--estimator <kind>', 'only this estimator (e.g. LinearSVC)')
      .option('--min-score <x>', 'primary score ≥ x', finiteNumber)
      .option('--max-score <x>', 'primary score ≤ x', finiteNumber)
      .option('--created-after <date>', 'created at or after (ISO date)', isoDate)
      .option('--created-before <date>', 'created before (ISO date)', isoDate)
      .addOption(new Option('--order-by <key>', 'sort key').choices(['createdAt', 'score']).default('createdAt'))
      .option('--limit <n>', 'page size (1…500)', intAtLeast(1), 50)
      .option('--cursor <cursor>', 'the nextCursor of the previous page'),
  ).action(async (opts: LsOptions) => {
    await withCurator(opts, async (curator) => {
      if (opts.task !== undefined) await curator.task(opts.task);
      const filter: ModelFilter = {
        ...(opts.task === undefined ? {} : { taskId: opts.task }),
        ...(opts.scope === undefined ? {} : { scope: opts.scope }),
        ...(opts.status === undefined ? {} : { status: opts.status }),
        ...(opts.estimator === undefined ? {} : { estimator: opts.estimator }),
        ...(opts.minScore === undefined ? {} : { minScore: opts.minScore }),
        ...(opts.maxScore === undefined ? {} : { maxScore: opts.maxScore }),
        ...(opts.createdAfter === undefined ? {} : { createdFrom: opts.createdAfter }),
        ...(opts.createdBefore === undefined ? {} : { createdBefore: opts.createdBefore }),
      };
      const page = await curator.registry.models.list(filter, { orderBy: opts.orderBy, limit: opts.limit, cursor: opts.cursor ?? null });
      emit(opts, { items: page.items.map(modelJson), nextCursor: page.nextCursor }, () =>
        modelRows(page.items) + (page.nextCursor === null ? '' : `\n\nmore: --cursor ${page.nextCursor}`));
    });
  });

  withCommon(models.command('show').description('one model: its row, per-fold evaluations and promotion history').argument('<id>', 'model id'))
    .action(async (id: string, opts: CommonOptions) => {
      const mid = modelId(id);
      await withCurator(opts, async (curator) => {
        const m = await curator.registry.models.get(mid);
        const evaluations = await curator.registry.models.evaluations(mid);
        const history = (await curator.registry.promotions.history(m.taskId, m.scope)).filter((e) => e.modelId === mid || e.previousModelId === mid);
        const data = {
          model: modelJson(m),
          evaluations: evaluations.map((e) => ({ metric: e.metric, label: e.label, mean: e.mean, std: e.std, folds: e.foldValues })),
          history: history.map((e) => ({ action: e.action, modelId: e.modelId, previousModelId: e.previousModelId, actor: e.actor, reason: e.reason, at: e.createdAt.toISOString() })),
        };
        emit(opts, data, () => {
          const lines = Object.entries(data.model).map(([k, v]) => `${k.padEnd(16)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
          const ev = table(['Metric', 'Label', 'Mean', 'Std', 'Folds'], evaluations.map((e) => [e.metric, e.label ?? '(avg)', fmt(e.mean), fmt(e.std), e.foldValues.map((x) => (Number.isInteger(x) ? String(x) : x.toFixed(3))).join(' ')]));
          const hi = table(['When', 'Action', 'Model', 'Previous', 'Actor', 'Reason'], data.history.map((h) => [h.at, h.action, String(h.modelId), String(h.previousModelId ?? '-'), h.actor, h.reason]));
          return `${lines.join('\n')}\n\nEvaluations\n${ev}\n\nPromotion history\n${hi}`;
        });
      });
    });

  withCommon(
    models.command('promote').description('make a candidate the active model of its task and scope').argument('<id>', 'model id')
      .option('--reason <text>', 'recorded in the promotion history', 'promoted from the CLI')
      .option('--actor <name>', 'who (recorded)', defaultActor()),
  ).action(async (id: string, opts: ChangeOptions) => {
    const mid = modelId(id);
    await withCurator(opts, async (curator) => {
      const m = await curator.registry.models.get(mid);
      const event = await curator.registry.promotions.promote({ taskId: m.taskId, modelId: mid, actor: opts.actor, reason: opts.reason });
      emit(opts, { action: event.action, task: event.taskId, scope: scopeText(event.scope), modelId: event.modelId, previousModelId: event.previousModelId },
        () => `model #${mid} is now active for '${m.taskId}' (${scopeText(m.scope)})${event.previousModelId === null ? '' : `, replacing #${event.previousModelId}`}`);
    });
  });

  withCommon(
    models.command('rollback').description('make the previously active model of a task and scope active again')
      .requiredOption('--task <id>', 'the task')
      .option('--scope <scope>', "'global', 'group:<id>' or 'user:<id>'", parseScope)
      .option('--reason <text>', 'recorded in the promotion history', 'rolled back from the CLI')
      .option('--actor <name>', 'who (recorded)', defaultActor()),
  ).action(async (opts: ChangeOptions & { task: string; scope?: Scope }) => {
    await withCurator(opts, async (curator) => {
      await curator.task(opts.task);
      const event = await curator.registry.promotions.rollback({ taskId: opts.task, actor: opts.actor, reason: opts.reason, ...(opts.scope ? { scope: opts.scope } : {}) });
      emit(opts, { action: event.action, task: event.taskId, scope: scopeText(event.scope), modelId: event.modelId, previousModelId: event.previousModelId },
        () => `rolled back '${event.taskId}' (${scopeText(event.scope)}): model #${event.modelId} is active again (was #${event.previousModelId ?? '-'})`);
    });
  });

  withCommon(models.command('retire').description('retire a model that is not active (kept in the history, never promoted again)').argument('<id>', 'model id'))
    .action(async (id: string, opts: CommonOptions) => {
      const mid = modelId(id);
      await withCurator(opts, async (curator) => {
        const m = await curator.registry.models.retire(mid);
        emit(opts, modelJson(m), () => `model #${mid} is ${m.status}`);
      });
    });

  withCommon(
    models.command('export').description('write a model file (checksum verified) to a path').argument('<id>', 'model id').argument('<file>', 'where to write it')
      .option('--force', 'overwrite an existing file', false),
  ).action(async (id: string, file: string, opts: CommonOptions & { force: boolean }) => {
    const mid = modelId(id);
    await withCurator(opts, async (curator) => {
      const { model, bytes } = await curator.registry.models.load(mid);
      try {
        writeFileSync(file, bytes, { flag: opts.force ? 'w' : 'wx' });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw new CuratorError('ALREADY_EXISTS', `${file} exists; pass --force to overwrite it`, { field: 'file' });
        if (code === 'ENOENT') throw new CuratorError('NOT_FOUND', `no folder for ${file}`, { field: 'file' });
        throw e;
      }
      emit(opts, { id: model.id, file, bytes: bytes.byteLength, sha256: model.blobSha256 }, () => `wrote model #${model.id} (${bytes.byteLength} bytes, sha256 ${model.blobSha256}) to ${file}`);
    });
  });
}
