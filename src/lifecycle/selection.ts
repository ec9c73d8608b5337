import type { ServedModel } from './served-model.ts';

/** The active models that may answer for one user: theirs, their groups', the global one. */
export interface Available {
  readonly user: ServedModel | null;
  readonly groups: readonly ServedModel[];
  readonly global: ServedModel | null;
}

/** The models a request uses, and the one that decides its answer. */
export interface Selection {
  readonly members: readonly ServedModel[];
  readonly decider: ServedModel;
}

/** How a request picks its model(s); one implementation per task policy. */
export interface SelectionPolicy {
  readonly name: 'fallback' | 'ensemble';
  select(available: Available): Selection | null;
}

/**
 * User → group → global: starting from the global model, a group model (the best-scored of the
 * user's groups) takes over when it is good enough, then the user's own model likewise. Good
 * enough: validated primary metric ≥ `floor` when one is set, else ≥ that of the model it would
 * replace (any model beats having none).
 *
 * @example new FallbackSelection(null).select({ user, groups: [experts], global })?.decider.model.scope;
 */
export class FallbackSelection implements SelectionPolicy {
  readonly name = 'fallback';

  constructor(private readonly floor: number | null) {}

  select(a: Available): Selection | null {
    let chosen = a.global;
    const group = a.groups.reduce<ServedModel | null>((best, m) => (best === null || m.score > best.score ? m : best), null);
    for (const m of [group, a.user]) {
      if (m !== null && (chosen === null || (this.floor === null ? m.score >= chosen.score : m.score >= this.floor))) chosen = m;
    }
    return chosen === null ? null : { members: [chosen], decider: chosen };
  }
}

/**
 * A soft vote over every available scope (the user's model, each of their groups' models, the
 * global model), each weighted by its validated primary metric. The decider is the member
 * with the most weight among those whose own label agrees with the vote.
 */
export class EnsembleSelection implements SelectionPolicy {
  readonly name = 'ensemble';

  select(a: Available): Selection | null {
    const members = [a.user, ...a.groups, a.global].filter((m): m is ServedModel => m !== null);
    if (members.length === 0) return null;
    const decider = members.reduce((best, m) => (m.score > best.score ? m : best));
    return { members, decider };
  }
}

/** Weight of a member in the soft vote: its validated score, floored so an unscored model still counts a little. */
export function voteWeight(m: ServedModel): number {
  return Number.isFinite(m.score) && m.score > 0 ? m.score : 1e-6;
}

