import type { Command } from 'commander';
import { emit, intAtLeast, scopeText, withCommon, withCurator, type CommonOptions } from '../common.ts';
import { fmt, table } from '../table.ts';

interface MonitorOptions extends CommonOptions {
  task: string;
  model?: number;
  alarms: number;
}

/** `curator monitor --task <id>`: live windows per model next to their CV estimates, and the decay alarms. */
export function registerMonitor(program: Command): void {
  withCommon(
    program
      .command('monitor')
      .description('live precision/recall/F1/accuracy per model (count and time windows, from feedback) against the CV estimate; decay alarms')
      .requiredOption('--task <id>', 'the task')
      .option('--model <id>', 'only this model', intAtLeast(1))
      .option('--alarms <n>', 'how many recent alarms to show', intAtLeast(0), 20),
  ).action(async (opts: MonitorOptions) => {
    await withCurator(opts, async (curator) => {
      const reports = await curator.monitor(opts.task, opts.model === undefined ? {} : { modelId: opts.model });
      const alarms = opts.alarms === 0 ? [] : await curator.alarms(opts.task, opts.alarms);
      const data = {
        task: opts.task,
        models: reports.map((r) => ({ ...r, scope: scopeText(r.scope) })),
        alarms: alarms.map((a) => ({ id: a.id, scope: scopeText(a.scope), reason: a.reason, jobId: a.jobId, detail: a.detail, at: a.createdAt.toISOString() })),
      };
      emit(opts, data, () => {
        const rows = reports.flatMap((r) => [r.count, r.time].map((w) => [
          String(r.modelId), scopeText(r.scope), r.status, w.kind === 'count' ? `last ${w.size}` : `last ${Math.round(w.size / 3600e3)} h`,
          // no feedback in the window yet: no live figure (not a zero)
          String(w.n), `${w.primaryMetric} ${w.n === 0 ? '-' : fmt(w.primary)}`, fmt(r.cv[w.primaryMetric]), w.n === 0 ? '-' : fmt(w.accuracy),
          r.tests.some((t) => t.significant) && w.kind === 'count' ? 'DECAY' : '',
        ]));
        const windows = table(['Model', 'Scope', 'Status', 'Window', 'n', 'Live', 'CV', 'Accuracy', ''], rows);
        const al = table(['When', 'Scope', 'Job', 'Reason'], data.alarms.map((a) => [a.at, a.scope, String(a.jobId ?? '-'), a.reason]));
        return `Windows\n${windows}\n\nDecay alarms\n${al}`;
      });
    });
  });
}
