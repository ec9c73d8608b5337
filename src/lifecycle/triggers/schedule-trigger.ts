import { GLOBAL, type Scope } from '../../store/index.ts';
import type { ScopeKind, TriggerRule } from '../task-config.ts';
import { duration, scopeName, type Firing, type Trigger, type TriggerContext, type TriggerSignal } from './trigger.ts';

type ScheduleRule = Extract<TriggerRule, { kind: 'schedule' }>;

/**
 * Schedule: a scope is due when `everyMs` passed since its last build started (or it never had
 * one) and it has its minimum of labels. Checked on the engine's timer (default scopes:
 * global; user and group scopes that have enough labels when listed).
 */
export class ScheduleTrigger implements Trigger {
  readonly kind = 'schedule';

  constructor(readonly rule: ScheduleRule) {}

  async check(signal: TriggerSignal, ctx: TriggerContext): Promise<Firing[]> {
    if (signal.type !== 'tick') return [];
    const kinds: readonly ScopeKind[] = this.rule.scopes ?? ['global'];
    const scopes: Scope[] = kinds.includes('global') ? [GLOBAL] : [];
    if (kinds.includes('user') || kinds.includes('group')) scopes.push(...(await ctx.eligibleScopes()).filter((s) => kinds.includes(s.kind)));
    const out: Firing[] = [];
    for (const scope of scopes) {
      const last = await ctx.repo.lastBuildAt(ctx.taskId, scope);
      const age = last === undefined ? Infinity : ctx.now - last.getTime();
      if (age < this.rule.everyMs) continue;
      const counts = await ctx.repo.labelCounts(ctx.taskId, scope, null);
      if (counts.documents < ctx.config.minLabels[scope.kind]) continue;
      const reason = last === undefined
        ? `schedule: no build of ${scopeName(scope)} yet; rule: every ${duration(this.rule.everyMs)}`
        : `schedule: last build of ${scopeName(scope)} ${duration(age)} ago; rule: every ${duration(this.rule.everyMs)}`;
      out.push({ rule: 'schedule', scope, reason, detail: { everyMs: this.rule.everyMs, lastBuild: last?.toISOString() ?? null }, actor: 'trigger:schedule' });
    }
    return out;
  }
}
