import { GLOBAL, type Scope } from '../../store/index.ts';
import type { ScopeKind, TriggerRule } from '../task-config.ts';
import { scopeName, type Firing, type Trigger, type TriggerContext, type TriggerSignal } from './trigger.ts';

type GrowthRule = Extract<TriggerRule, { kind: 'growth' }>;

/**
 * Growth: the scope's labelled corpus grew by `labels` new labels, or by `percent` % over the
 * snapshot of the last build (the current model's, or a later one that was not promoted, so a
 * build that kept the champion does not fire again at the next label). Checked after every
 * annotation call for the scopes those annotators touch (default scopes: global), with COUNT
 * queries only; a scope below its minimum of labels never fires. A percentage needs a
 * baseline, so a scope never built is left to its first explicit build (life-cycle step 1) or
 * to a `labels` rule, which counts from zero.
 */
export class GrowthTrigger implements Trigger {
  readonly kind = 'growth';

  constructor(readonly rule: GrowthRule) {}

  async check(signal: TriggerSignal, ctx: TriggerContext): Promise<Firing[]> {
    if (signal.type !== 'annotations') return [];
    const out: Firing[] = [];
    for (const scope of await this.scopesOf(signal.userIds, ctx)) {
      const f = await this.checkScope(scope, ctx);
      if (f !== undefined) out.push(f);
    }
    return out;
  }

  private async scopesOf(userIds: readonly string[], ctx: TriggerContext): Promise<Scope[]> {
    const kinds: readonly ScopeKind[] = this.rule.scopes ?? ['global'];
    const out: Scope[] = [];
    if (kinds.includes('global')) out.push(GLOBAL);
    const users = [...new Set(userIds)].sort();
    if (kinds.includes('user')) for (const userId of users) out.push({ kind: 'user', userId });
    if (kinds.includes('group')) {
      const groups = new Set<string>();
      for (const userId of users) for (const g of await ctx.groupsOf(userId)) groups.add(g);
      for (const groupId of [...groups].sort()) out.push({ kind: 'group', groupId });
    }
    return out;
  }

  private async checkScope(scope: Scope, ctx: TriggerContext): Promise<Firing | undefined> {
    const snapshot = await ctx.repo.latestSnapshot(ctx.taskId, scope);
    const lastBuild = await ctx.repo.lastBuildAt(ctx.taskId, scope);
    const times = [snapshot?.createdAt.getTime(), lastBuild?.getTime()].filter((t): t is number => t !== undefined);
    const since = times.length === 0 ? null : new Date(Math.max(...times));
    const counts = await ctx.repo.labelCounts(ctx.taskId, scope, since);
    const minimum = ctx.config.minLabels[scope.kind];
    if (counts.documents < minimum || counts.since === 0) return undefined;
    const base = snapshot?.size ?? 0;
    const growth = base > 0 ? ((counts.documents - base) / base) * 100 : NaN;
    const detail = { labelsSince: counts.since, documents: counts.documents, snapshotSize: base, snapshotId: snapshot?.id ?? null, since: since?.toISOString() ?? null };
    const where = `${scopeName(scope)}`;
    if (this.rule.labels !== undefined && counts.since >= this.rule.labels) {
      const reason = since === null
        ? `growth: ${counts.since} labels (${where}) and no build yet; rule: ${this.rule.labels} new labels`
        : `growth: ${counts.since} labels (${where}) since the last build; rule: ${this.rule.labels} new labels`;
      return { rule: 'growth', scope, reason, detail: { ...detail, threshold: this.rule.labels }, actor: 'trigger:growth' };
    }
    if (this.rule.percent !== undefined && base > 0 && growth >= this.rule.percent) {
      const reason = `growth: ${counts.documents} labelled documents (${where}) vs ${base} in snapshot #${snapshot!.id} (+${growth.toFixed(1)} %); rule: ${this.rule.percent} %`;
      return { rule: 'growth', scope, reason, detail: { ...detail, percent: growth, threshold: this.rule.percent }, actor: 'trigger:growth' };
    }
    return undefined;
  }
}
