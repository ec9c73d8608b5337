import type { ScopeKind, TriggerRule } from '../task-config.ts';
import type { Firing, Trigger, TriggerContext, TriggerSignal } from './trigger.ts';

type DecayRule = Extract<TriggerRule, { kind: 'decay' }>;

/**
 * Decay: the monitor raised an alarm for the model of a scope (see monitor/decay-test.ts);
 * rebuild that scope. Default scopes: all three kinds.
 */
export class DecayTrigger implements Trigger {
  readonly kind = 'decay';

  constructor(readonly rule: DecayRule) {}

  covers(kind: ScopeKind): boolean {
    return (this.rule.scopes ?? ['global', 'group', 'user']).includes(kind);
  }

  async check(signal: TriggerSignal, _ctx: TriggerContext): Promise<Firing[]> {
    if (signal.type !== 'alarm' || !this.covers(signal.scope.kind)) return [];
    return [{ rule: 'decay', scope: signal.scope, reason: signal.reason, detail: signal.detail, actor: 'trigger:decay' }];
  }
}
