import type { TriggerRule } from '../task-config.ts';
import { scopeName, type Firing, type Trigger, type TriggerContext, type TriggerSignal } from './trigger.ts';

/** Manual: "train now" for a scope, on someone's behalf. */
export class ManualTrigger implements Trigger {
  readonly kind = 'manual';

  constructor(readonly rule: Extract<TriggerRule, { kind: 'manual' }> = { kind: 'manual' }) {}

  async check(signal: TriggerSignal, _ctx: TriggerContext): Promise<Firing[]> {
    if (signal.type !== 'manual') return [];
    return [{ rule: 'manual', scope: signal.scope, reason: `manual: ${signal.reason} (${signal.actor}, ${scopeName(signal.scope)})`, detail: { actor: signal.actor }, actor: signal.actor }];
  }
}
