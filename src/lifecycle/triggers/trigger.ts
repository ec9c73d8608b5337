import type { Json } from '../../ml/base/types.ts';
import type { Scope } from '../../store/index.ts';
import type { TriggerMonitorRepo } from '../../store/trigger-monitor-repo.ts';
import type { TaskConfig, TriggerRule } from '../task-config.ts';

/** Where triggers and the monitor read the time: tests inject a fake one. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** What may make a rule fire. */
export type TriggerSignal =
  /** Labels were just stored for the task by these annotators. */
  | { readonly type: 'annotations'; readonly userIds: readonly string[] }
  /** The schedule timer (or `checkTriggers`) looked at the time. */
  | { readonly type: 'tick' }
  /** The monitor raised a decay alarm for a model of this scope. */
  | { readonly type: 'alarm'; readonly scope: Scope; readonly reason: string; readonly detail: Readonly<Record<string, Json>> }
  /** Someone pressed "train now". */
  | { readonly type: 'manual'; readonly scope: Scope; readonly actor: string; readonly reason: string };

/** A rule's decision to build a scope, and why (stored with the trigger event). */
export interface Firing {
  readonly rule: TriggerRule['kind'];
  readonly scope: Scope;
  readonly reason: string;
  readonly detail: Readonly<Record<string, Json>>;
  readonly actor: string;
}

/** What a rule may look at. */
export interface TriggerContext {
  readonly taskId: string;
  readonly config: TaskConfig;
  /** The clock's time of this check. */
  readonly now: number;
  readonly repo: TriggerMonitorRepo;
  /** User and group scopes with enough labels for a model of their own. */
  eligibleScopes(): Promise<readonly Scope[]>;
  /** The groups of a user. */
  groupsOf(userId: string): Promise<readonly string[]>;
}

/**
 * One trigger rule of a task: given a signal, which scopes are due for a build and why.
 * Checking is cheap (a few COUNT/MAX queries); building and debouncing are the engine's job.
 *
 * @example
 * const firings = await new GrowthTrigger({ kind: 'growth', labels: 50 }).check({ type: 'annotations', userIds: ['ana'] }, ctx);
 */
export interface Trigger {
  readonly kind: TriggerRule['kind'];
  readonly rule: TriggerRule;
  check(signal: TriggerSignal, ctx: TriggerContext): Promise<Firing[]>;
}

/** A readable duration ('90 s', '2.0 h'). */
export function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** 'global', 'group experts', 'user ana'. */
export function scopeName(scope: Scope): string {
  return scope.kind === 'global' ? 'global' : scope.kind === 'group' ? `group ${scope.groupId}` : `user ${scope.userId}`;
}
