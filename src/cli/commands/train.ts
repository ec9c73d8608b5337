import type { Command } from 'commander';
import type { BuildOutcome } from '../../lifecycle/index.ts';
import { GLOBAL, type Scope } from '../../store/types.ts';
import { defaultActor, emit, intAtLeast, parseScope, scopeText, withCommon, withCurator, type CommonOptions } from '../common.ts';
import { EXIT } from '../exit-codes.ts';
import { buildProgress } from '../progress.ts';
import { fmt, table } from '../table.ts';

interface TrainOptions extends CommonOptions {
  task: string;
  scope: Scope;
  reason: string;
  actor: string;
  workers?: number;
}

/**
 * `curator train --task <id>` ("train now"): snapshot, cross-validate every candidate, fit the
 * winner, register it and apply the promotion policy, with a bar of candidate j/m, fold i/n.
 * A skipped build (too few labels, one class only, nothing new) prints why and exits 5.
 */
export function registerTrain(program: Command): void {
  withCommon(
    program
      .command('train')
      .description('build a model now: snapshot → cross-validate every candidate → fit the winner → register → promotion policy (exit 5 when the build is skipped: too few labels, one class, nothing new)')
      .requiredOption('--task <id>', 'the task')
      .option('--scope <scope>', "'global', 'group:<id>' or 'user:<id>'", parseScope, GLOBAL)
      .option('--reason <text>', 'recorded with the build and any promotion', 'train now (CLI)')
      .option('--actor <name>', 'who asks (recorded)', defaultActor())
      .option('--workers <n>', 'worker threads (default 1)', intAtLeast(1)),
  ).action(async (opts: TrainOptions) => {
    // The worker engine for a database file keeps this process's event loop free for the bar.
    const jobs = opts.workers === undefined ? {} : { workers: opts.workers };
    await withCurator(opts, async (curator) => {
      await curator.task(opts.task); // NOT_FOUND before any bar appears
      const bar = buildProgress(`train ${opts.task}`);
      let outcome: BuildOutcome;
      try {
        outcome = await curator.build(opts.task, { scope: opts.scope, actor: opts.actor, reason: opts.reason, onProgress: bar.onProgress });
      } finally {
        bar.stop();
      }
      emit(opts, outcomeJson(outcome), () => outcomeText(outcome));
      // nothing was built (too few labels, one class, or the same model again): "not possible now"
      if (outcome.status === 'skipped') process.exitCode = EXIT.STATE;
    }, { jobs });
  });
}

/** A build outcome as plain JSON (what `--json` prints). */
export function outcomeJson(o: BuildOutcome): Record<string, unknown> {
  if (o.status === 'skipped') return { status: o.status, task: o.taskId, scope: scopeText(o.scope), jobId: o.jobId, reason: o.reason };
  return {
    status: o.status, task: o.taskId, scope: scopeText(o.scope), jobId: o.jobId,
    model: { id: o.model.id, estimator: o.model.estimator, score: o.model.score, scoreMetric: o.model.scoreMetric, status: o.model.status },
    promoted: o.promoted, decision: o.decision.reason, snapshot: { id: o.snapshot.id, size: o.snapshot.size },
    folds: o.folds, candidates: o.candidates, wallMs: Math.round(o.wallMs),
  };
}

/** A build outcome for people. */
export function outcomeText(o: BuildOutcome): string {
  if (o.status === 'skipped') return `build of '${o.taskId}' (${scopeText(o.scope)}) skipped: ${o.reason}`;
  const head = `model #${o.model.id} (${o.model.estimator}) built for '${o.taskId}' (${scopeText(o.scope)}) from snapshot #${o.snapshot.id} ` +
    `(${o.snapshot.size} labelled documents), ${o.folds}-fold CV, ${(o.wallMs / 1000).toFixed(1)} s`;
  const rows = o.candidates.map((c, i) => [String(i + 1), c.name, `${fmt(c.mean)} ± ${fmt(c.std)}`]);
  const verdict = o.promoted ? `promoted: ${o.decision.reason}` : `not promoted: ${o.decision.reason}`;
  return `${head}\n\n${table(['#', 'Candidate', `CV ${o.model.scoreMetric ?? 'score'}`], rows)}\n\n${verdict}`;
}
