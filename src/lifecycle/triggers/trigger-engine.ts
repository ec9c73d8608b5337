import type { Json } from '../../ml/base/types.ts';
import { CuratorError } from '../../ml/errors.ts';
import type { Scope, Store } from '../../store/index.ts';
import { type DetailedTriggerEvent } from '../../store/trigger-monitor-repo.ts';
import type { BuildOutcome } from '../build.ts';
import { scopeKey } from '../scope-key.ts';
import type { TaskConfig, TriggerRule } from '../task-config.ts';
import { DecayTrigger } from './decay-trigger.ts';
import { GrowthTrigger } from './growth-trigger.ts';
import { ManualTrigger } from './manual-trigger.ts';
import { ScheduleTrigger } from './schedule-trigger.ts';
import { scopeName, systemClock, type Clock, type Firing, type Trigger, type TriggerContext, type TriggerSignal } from './trigger.ts';

/** The trigger rule objects of a task's rules. */
export function triggersOf(rules: readonly TriggerRule[]): Trigger[] {
  return rules.map((r) => {
    switch (r.kind) {
      case 'growth':
        return new GrowthTrigger(r);
      case 'schedule':
        return new ScheduleTrigger(r);
      case 'decay':
        return new DecayTrigger(r);
      case 'manual':
        return new ManualTrigger(r);
    }
  });
}

/** Options of the trigger engine (`CuratorConfig.triggers`). */
export interface TriggerEngineOptions {
  /** Where the time comes from (default: the wall clock); tests pass a fake one. */
  readonly clock?: Clock;
  /**
   * How often the schedule rules are looked at, in ms (default 60 000); 0 turns the timer off
   * (call `checkTriggers()` yourself). The timer is unref'd: it never keeps a process alive.
   */
  readonly scheduleCheckMs?: number;
  /** Check growth rules after annotations (default true). */
  readonly growth?: boolean;
  /** Errors of background checks and triggered builds (default: a process warning). */
  readonly onError?: (error: unknown) => void;
}

/** What the engine needs from the curator. */
export interface TriggerHost {
  readonly store: Store;
  taskConfig(taskId: string): Promise<TaskConfig>;
  eligibleScopes(taskId: string): Promise<readonly Scope[]>;
  groupsOf(userId: string): Promise<readonly string[]>;
  /** The build of the task and scope running now (the curator's debounce guard), if any. */
  running(taskId: string, scope: Scope): Promise<BuildOutcome> | undefined;
  /** `curator.build` with a hook that creates the job row first (called only when a build starts). */
  build(taskId: string, call: { scope: Scope; actor: string; reason: string; startJob: () => Promise<number> }): Promise<BuildOutcome>;
}

/** One rule firing and what became of it. */
export interface FiringResult {
  readonly taskId: string;
  readonly rule: TriggerRule['kind'];
  readonly scope: Scope;
  readonly reason: string;
  /**
   * 'started': a build started under `jobId`; 'debounced': a build of the task and scope was
   * already running (decay and manual firings are still recorded, naming that job when known);
   * 'recorded': a decay alarm no decay rule covers, recorded without a build.
   */
  readonly status: 'started' | 'debounced' | 'recorded';
  readonly jobId: number | null;
  readonly event: DetailedTriggerEvent | null;
  /** The build's outcome (started or joined). */
  readonly outcome?: Promise<BuildOutcome>;
}

/**
 * Runs a task's trigger rules: growth after annotations, schedule on an unref'd timer, decay
 * when the monitor raises an alarm, manual on request. Each firing that starts a build is
 * recorded in trigger_events with its reason, figures (`detail`) and the job it started — the
 * job row is created first, in the same transaction as the event, then the build runs under it.
 * Debounced through the curator's guard: at most one build per task and scope at a time.
 *
 * @example
 * const engine = new TriggerEngine(host, { clock: fakeClock, scheduleCheckMs: 0 });
 * await engine.tick(); // fires the schedule rules that are due
 */
export class TriggerEngine {
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<FiringResult[]> | undefined;
  /** Job of the build each task and scope runs because of a firing. */
  private readonly jobs = new Map<string, number>();
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly host: TriggerHost,
    private readonly options: TriggerEngineOptions = {},
  ) {
    const every = options.scheduleCheckMs ?? 60_000;
    if (typeof every !== 'number' || !Number.isFinite(every) || every < 0) {
      throw new CuratorError('INVALID_ARGUMENT', `createCurator: triggers.scheduleCheckMs must be a number ≥ 0; got ${JSON.stringify(every)}`, { field: 'triggers.scheduleCheckMs' });
    }
    if (options.clock !== undefined && (options.clock === null || typeof options.clock.now !== 'function')) {
      throw new CuratorError('INVALID_ARGUMENT', 'createCurator: triggers.clock must have a now() method', { field: 'triggers.clock' });
    }
    this.clock = options.clock ?? systemClock;
    if (every > 0) {
      this.timer = setInterval(() => void this.tick().catch((e) => this.report(e)), every);
      this.timer.unref();
    }
  }

  get now(): number {
    return this.clock.now();
  }

  /** Growth rules after labels were stored by these annotators. Never throws (errors are reported). */
  async afterAnnotations(taskId: string, userIds: readonly string[]): Promise<FiringResult[]> {
    if (this.stopped || this.options.growth === false) return [];
    try {
      return await this.signal(taskId, { type: 'annotations', userIds });
    } catch (error) {
      this.report(error);
      return [];
    }
  }

  /** Schedule rules of every task, now. Overlapping calls share one pass. */
  tick(): Promise<FiringResult[]> {
    if (this.stopped) return Promise.resolve([]);
    this.ticking ??= (async () => {
      try {
        const out: FiringResult[] = [];
        for (const taskId of await this.host.store.triggerMonitor.taskIds()) {
          try {
            out.push(...(await this.signal(taskId, { type: 'tick' })));
          } catch (error) {
            this.report(error);
          }
        }
        return out;
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  /** "Train now": INVALID_STATE when the task has no manual rule. */
  async manual(taskId: string, scope: Scope, actor: string, reason: string): Promise<FiringResult> {
    const config = await this.host.taskConfig(taskId);
    if (!config.triggers.some((t) => t.kind === 'manual')) {
      throw new CuratorError('INVALID_STATE', `trigger: task '${taskId}' has no manual trigger rule (add { kind: 'manual' } to its triggers)`, { field: 'taskId' });
    }
    const [result] = await this.signal(taskId, { type: 'manual', scope, actor, reason });
    return result!;
  }

  /**
   * A decay alarm of a model of this scope: fires the task's decay rule (a rebuild), or is only
   * recorded when no decay rule covers the scope. Always recorded.
   */
  async alarm(taskId: string, scope: Scope, reason: string, detail: Readonly<Record<string, Json>>): Promise<FiringResult> {
    const signal: TriggerSignal = { type: 'alarm', scope, reason, detail };
    const results = await this.signal(taskId, signal);
    if (results.length > 0) return results[0]!;
    const event = await this.record(taskId, { rule: 'decay', scope, reason: `${reason}; no decay rule covers ${scope.kind} scopes: not rebuilt`, detail, actor: 'monitor' }, null);
    return { taskId, rule: 'decay', scope, reason: event.reason, status: 'recorded', jobId: null, event };
  }

  /** Waits for the builds firings started (and those they joined). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.ticking !== undefined) {
      await Promise.allSettled([...this.running, ...(this.ticking ? [this.ticking] : [])]);
    }
  }

  /** Stops the timer; later signals do nothing. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async signal(taskId: string, signal: TriggerSignal): Promise<FiringResult[]> {
    const config = await this.host.taskConfig(taskId);
    const ctx: TriggerContext = {
      taskId, config, now: this.clock.now(), repo: this.host.store.triggerMonitor,
      eligibleScopes: () => this.host.eligibleScopes(taskId),
      groupsOf: (userId) => this.host.groupsOf(userId),
    };
    const firings: Firing[] = [];
    const seen = new Set<string>();
    for (const trigger of triggersOf(config.triggers)) {
      for (const f of await trigger.check(signal, ctx)) {
        // Two rules due for one scope at once make one build (the first rule's reason).
        const key = scopeKey(f.scope);
        if (seen.has(key)) continue;
        seen.add(key);
        firings.push(f);
      }
    }
    const out: FiringResult[] = [];
    for (const f of firings) out.push(await this.fire(taskId, f));
    return out;
  }

  private async fire(taskId: string, f: Firing): Promise<FiringResult> {
    const key = `${taskId}\u0000${scopeKey(f.scope)}`;
    const base = { taskId, rule: f.rule, scope: f.scope, reason: f.reason };
    const running = this.host.running(taskId, f.scope);
    if (running !== undefined) {
      if (f.rule === 'growth' || f.rule === 'schedule') return { ...base, status: 'debounced', jobId: null, event: null, outcome: running };
      const jobId = this.jobs.get(key) ?? null;
      const event = await this.record(taskId, { ...f, reason: `${f.reason}; a build of ${scopeName(f.scope)} was already running${jobId === null ? '' : ` (job #${jobId})`}` }, jobId);
      return { ...base, reason: event.reason, status: 'debounced', jobId, event, outcome: running };
    }
    let started!: (event: DetailedTriggerEvent | undefined) => void;
    let failed!: (error: unknown) => void;
    let jobId: number | undefined;
    const startedP = new Promise<DetailedTriggerEvent | undefined>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    const outcome = this.host.build(taskId, {
      scope: f.scope, actor: f.actor, reason: f.reason,
      startJob: async () => {
        const event = await this.host.store.transaction(async (tx) => {
          const job = await tx.activity.createJob({ taskId, scope: f.scope, kind: 'build', params: { actor: f.actor, reason: f.reason, trigger: f.rule }, createdAt: new Date(this.clock.now()) });
          return this.record(taskId, f, job.id, tx);
        });
        jobId = event.jobId!;
        this.jobs.set(key, jobId);
        started(event);
        return event.jobId!;
      },
    });
    this.running.add(outcome);
    outcome.then(
      () => started(undefined),
      (error) => {
        // Before the job exists the caller gets the error; after, only the report sees it.
        if (jobId === undefined) failed(error);
        else this.report(error);
      },
    ).finally(() => {
      this.running.delete(outcome);
      if (jobId !== undefined && this.jobs.get(key) === jobId) this.jobs.delete(key);
    });
    const event = await startedP;
    if (event === undefined) return { ...base, status: 'debounced', jobId: null, event: null, outcome };
    return { ...base, status: 'started', jobId: event.jobId, event, outcome };
  }

  private record(taskId: string, f: Firing, jobId: number | null, store: Store = this.host.store): Promise<DetailedTriggerEvent> {
    return store.triggerMonitor.addTriggerEvent({
      taskId, scope: f.scope, rule: f.rule, reason: f.reason, jobId, detail: f.detail as Record<string, unknown>, createdAt: new Date(this.clock.now()),
    });
  }

  private report(error: unknown): void {
    if (this.options.onError !== undefined) this.options.onError(error);
    else process.emitWarning(`curator trigger: ${error instanceof Error ? error.message : String(error)}`);
  }
}
