import type { Json } from '../../ml/base/types.ts';
import { CuratorError } from '../../ml/errors.ts';
import type { Registry } from '../../registry/index.ts';
import type { Feedback, Model, Scope, Store } from '../../store/index.ts';
import { decayParamsOf, type DecayParams, type TaskConfig } from '../task-config.ts';
import { scopeName, systemClock, type Clock } from '../triggers/trigger.ts';
import { decayTests, type ProportionTest } from './decay-test.ts';
import { CountWindow, figuresOf, metricFromMatrix, TimeWindow, type ConfusionMatrix, type WindowFigures } from './rolling-metrics.ts';

/** Options of the monitor (`CuratorConfig.monitor`). */
export interface MonitorOptions {
  /** Where the time comes from (default: the triggers' clock, else the wall clock). */
  readonly clock?: Clock;
  /** Write a model's windows to monitor_windows after this many new feedbacks (default 50), and at every flush. */
  readonly persistEvery?: number;
  /** Errors of monitoring (default: a process warning); feedback itself never fails because of them. */
  readonly onError?: (error: unknown) => void;
}

/** What the monitor needs from the curator. */
export interface MonitorHost {
  readonly store: Store;
  readonly registry: Registry;
  task(taskId: string): Promise<{ readonly labels: readonly string[]; readonly config: TaskConfig }>;
  /** Records the alarm and fires the decay trigger. */
  alarm(taskId: string, scope: Scope, reason: string, detail: Readonly<Record<string, Json>>): Promise<unknown>;
}

/** A window's figures with its bounds and the live primary metric. */
export interface WindowReport extends WindowFigures {
  readonly kind: 'count' | 'time';
  /** Count window: its capacity; time window: its span in ms. */
  readonly size: number;
  readonly start: Date | null;
  readonly end: Date | null;
  readonly primaryMetric: string;
  readonly primary: number;
}

/** How one model does live, next to what cross-validation promised. */
export interface ModelMonitorReport {
  readonly modelId: number;
  readonly scope: Scope;
  readonly status: string;
  readonly params: DecayParams;
  /** Cross-validated means: accuracy, the primary metric, recall per label. */
  readonly cv: Readonly<Record<string, number>>;
  readonly count: WindowReport;
  readonly time: WindowReport;
  /** The decay test on the count window now (empty below the minimum of samples). */
  readonly tests: readonly ProportionTest[];
}

interface ModelState {
  readonly model: Model;
  readonly taskId: string;
  readonly params: DecayParams;
  readonly primaryMetric: string;
  readonly cv: Map<string, number>;
  readonly count: CountWindow;
  readonly time: TimeWindow;
  loadedUpTo: number;
  /** Feedbacks since the last alarm (Infinity: none yet). */
  sinceAlarm: number;
  dirty: number;
}

/**
 * Decay monitoring: every feedback, joined to the prediction it answers, updates two rolling
 * windows of the model that decided it — the last N feedbacks (O(1) per step) and the last T
 * milliseconds — with precision, recall, F1 per label and accuracy. After each feedback the
 * count window is tested (see decay-test.ts: one-sided exact binomial test of live accuracy and
 * per-label recall against the cross-validated means minus a margin, Bonferroni over the
 * proportions, at least `minSamples` trials each), and its live primary metric is compared with
 * the rule's floor. An alarm is recorded in trigger_events (rule 'decay', the statistic in
 * `detail`) and fires the decay trigger; the same model alarms again only after its window has
 * turned over. Windows are written to monitor_windows every `persistEvery` feedbacks and on flush;
 * a model's windows are rebuilt from the feedback table the first time it is touched.
 *
 * @example
 * const monitor = new Monitor(host, { persistEvery: 100 });
 * await monitor.observe('spam', { modelId: 7, output: 'ham' }, feedback);
 */
export class Monitor {
  private readonly states = new Map<number, Promise<ModelState>>();
  private readonly clock: Clock;
  private readonly persistEvery: number;

  constructor(
    private readonly host: MonitorHost,
    private readonly options: MonitorOptions = {},
  ) {
    const every = options.persistEvery ?? 50;
    if (!Number.isSafeInteger(every) || every < 1) {
      throw new CuratorError('INVALID_ARGUMENT', `createCurator: monitor.persistEvery must be an integer ≥ 1; got ${JSON.stringify(options.persistEvery)}`, { field: 'monitor.persistEvery' });
    }
    this.persistEvery = every;
    this.clock = options.clock ?? systemClock;
  }

  /** One feedback on a prediction `modelId` decided. Never throws (errors are reported). */
  async observe(taskId: string, prediction: { readonly modelId: number | null; readonly output: string }, feedback: Feedback): Promise<void> {
    if (prediction.modelId === null) return;
    try {
      const state = await this.state(taskId, prediction.modelId);
      if (feedback.id <= state.loadedUpTo) return; // already read from the table when the state was built
      const at = feedback.createdAt.getTime();
      state.count.push(feedback.label, prediction.output, at);
      state.time.push(feedback.label, prediction.output, at);
      state.sinceAlarm++;
      state.dirty++;
      await this.checkDecay(state);
      if (state.dirty >= this.persistEvery) await this.persist(state);
    } catch (error) {
      this.warn(error);
    }
  }

  /** Writes every model's changed windows. */
  async flush(): Promise<void> {
    for (const p of [...this.states.values()]) {
      try {
        await this.persist(await p);
      } catch (error) {
        this.warn(error);
      }
    }
  }

  /** Live figures of the given models (their windows are rebuilt from stored feedback when not in memory). */
  async report(taskId: string, modelIds: readonly number[]): Promise<ModelMonitorReport[]> {
    const out: ModelMonitorReport[] = [];
    for (const id of modelIds) {
      const s = await this.state(taskId, id);
      s.time.expire(this.clock.now());
      const model = await this.host.registry.models.get(id);
      out.push({
        modelId: id, scope: s.model.scope, status: model.status, params: s.params, cv: Object.fromEntries(s.cv),
        count: this.window(s, 'count'), time: this.window(s, 'time'), tests: this.tests(s),
      });
    }
    return out;
  }

  /** Models with windows in memory, for the task. */
  knownModels(taskId: string): Promise<number[]> {
    return Promise.all([...this.states.values()]).then((all) => all.filter((s) => s.taskId === taskId).map((s) => s.model.id));
  }

  private state(taskId: string, modelId: number): Promise<ModelState> {
    let p = this.states.get(modelId);
    if (p === undefined) {
      p = this.load(taskId, modelId);
      this.states.set(modelId, p);
      p.catch(() => this.states.delete(modelId));
    }
    return p;
  }

  private async load(taskId: string, modelId: number): Promise<ModelState> {
    const { labels, config } = await this.host.task(taskId);
    const model = await this.host.registry.models.get(modelId);
    if (model.taskId !== taskId) throw new CuratorError('INVALID_REFERENCE', `monitor: model #${modelId} belongs to task '${model.taskId}', not '${taskId}'`, { field: 'modelId' });
    const rule = config.triggers.find((t) => t.kind === 'decay' && (t.scopes ?? ['global', 'group', 'user']).includes(model.scope.kind));
    const params = decayParamsOf(rule?.kind === 'decay' ? rule : undefined);
    const cv = new Map<string, number>();
    for (const e of await this.host.registry.models.evaluations(modelId)) {
      if (!Number.isFinite(e.mean)) continue;
      if (e.metric === 'accuracy' && e.label === null) cv.set('accuracy', e.mean);
      if (e.metric === config.primaryMetric && e.label === null) cv.set(config.primaryMetric, e.mean);
      if (e.metric === 'recall' && e.label !== null) cv.set(`recall:${e.label}`, e.mean);
    }
    const state: ModelState = {
      model, taskId, params, primaryMetric: config.primaryMetric, cv,
      count: new CountWindow(labels, params.window), time: new TimeWindow(labels, params.windowMs),
      loadedUpTo: 0, sinceAlarm: Infinity, dirty: 0,
    };
    const from = this.clock.now() - params.windowMs;
    for (const f of await this.host.store.triggerMonitor.feedbackOfModel(modelId, { limit: params.window })) {
      state.count.push(f.truth, f.predicted, f.at.getTime());
      if (f.at.getTime() >= from) state.time.push(f.truth, f.predicted, f.at.getTime());
      state.loadedUpTo = Math.max(state.loadedUpTo, f.id);
    }
    // Feedback older than the count window but inside the time window is not replayed: the time
    // window starts from what the count window holds, which is what an alarm decides on anyway.
    return state;
  }

  private tests(s: ModelState): ProportionTest[] {
    const cm: ConfusionMatrix = s.count.cm;
    if (cm.total < s.params.minSamples) return [];
    return decayTests(
      [
        { metric: 'accuracy', label: null, n: cm.total, k: cm.correct, cv: s.cv.get('accuracy') },
        ...cm.labels.map((l, i) => ({ metric: 'recall', label: l, n: cm.trueTotals[i]!, k: cm.truePositives(i), cv: s.cv.get(`recall:${l}`) })),
      ],
      s.params,
    );
  }

  private async checkDecay(s: ModelState): Promise<void> {
    const p = s.params;
    if (s.count.n < p.minSamples || s.sinceAlarm < p.window) return;
    const cm = s.count.cm;
    const primary = metricFromMatrix(cm, s.primaryMetric);
    const floorHit = p.floor !== null && primary < p.floor;
    const tests = this.tests(s);
    const worst = tests.filter((t) => t.significant).sort((a, b) => a.pValue - b.pValue)[0];
    if (!floorHit && worst === undefined) return;
    s.sinceAlarm = 0;
    const where = `model #${s.model.id} (${scopeName(s.model.scope)})`;
    const reason = floorHit
      ? `decay: live ${s.primaryMetric} of ${where} is ${primary.toFixed(3)} over the last ${cm.total} feedbacks, below the floor ${p.floor}`
      : `decay: live ${worst!.metric}${worst!.label === null ? '' : ` of '${worst!.label}'`} of ${where} is ${worst!.live.toFixed(3)} (${worst!.k}/${worst!.n}), significantly below its cross-validated ${worst!.cv.toFixed(3)} − margin ${p.margin} (one-sided exact binomial test, p = ${worst!.pValue.toExponential(2)} < ${worst!.level.toPrecision(2)})`;
    const span = s.count.span();
    const detail: Record<string, Json> = {
      modelId: s.model.id,
      test: 'one-sided exact binomial test, H0: p ≥ cv − margin, Bonferroni over accuracy and per-label recall',
      cause: floorHit ? 'floor' : 'test',
      primaryMetric: s.primaryMetric, primary, floor: p.floor, alpha: p.alpha, margin: p.margin, minSamples: p.minSamples,
      n: cm.total, windowStart: new Date(span.start).toISOString(), windowEnd: new Date(span.end).toISOString(),
      tests: tests.map((t) => ({ ...t })),
    };
    if (worst !== undefined) Object.assign(detail, { metric: worst.metric, label: worst.label, live: worst.live, cv: worst.cv, pValue: worst.pValue, z: worst.z });
    await this.host.alarm(s.taskId, s.model.scope, reason, detail);
  }

  private window(s: ModelState, kind: 'count' | 'time'): WindowReport {
    const w = kind === 'count' ? s.count : s.time;
    const now = this.clock.now();
    const span = s.count.span();
    const start = kind === 'count' ? (s.count.n > 0 ? new Date(span.start) : null) : new Date(now - s.time.spanMs);
    const end = kind === 'count' ? (s.count.n > 0 ? new Date(span.end) : null) : new Date(now);
    return {
      kind, size: kind === 'count' ? s.count.size : s.time.spanMs, start, end,
      primaryMetric: s.primaryMetric, primary: metricFromMatrix(w.cm, s.primaryMetric), ...figuresOf(w.cm),
    };
  }

  private async persist(s: ModelState): Promise<void> {
    if (s.dirty === 0) return;
    s.dirty = 0;
    s.time.expire(this.clock.now());
    for (const kind of ['count', 'time'] as const) {
      const w = this.window(s, kind);
      if (w.n === 0 || w.start === null || w.end === null) continue;
      const { start, end, ...metrics } = w;
      try {
        await this.host.store.activity.addMonitorWindow({
          modelId: s.model.id, scope: s.model.scope, windowStart: start, windowEnd: end, n: w.n, accuracy: w.accuracy,
          metrics: metrics as unknown as Record<string, unknown>, createdAt: new Date(this.clock.now()),
        });
      } catch (error) {
        // The same window (same bounds) is already stored: nothing new to say.
        if (!(error instanceof CuratorError && (error.code === 'CONFLICT' || error.code === 'ALREADY_EXISTS'))) throw error;
      }
    }
  }

  private warn(error: unknown): void {
    if (this.options.onError !== undefined) this.options.onError(error);
    else process.emitWarning(`curator monitor: ${error instanceof Error ? error.message : String(error)}`);
  }
}
