import type { Json } from '../ml/base/types.ts';
import { CuratorError } from '../ml/errors.ts';
import type { Task } from '../store/index.ts';
import { defaultCandidateSpecs, expandCandidates, type CandidateSpec } from './candidates.ts';

/** Metrics a task may rank and promote by: label-based ones, so they can be recomputed on any subset of predictions. */
export const PRIMARY_METRICS = [
  'accuracy',
  'f1_macro', 'f1_micro', 'f1_weighted', 'f1',
  'precision_macro', 'precision_micro', 'precision_weighted', 'precision',
  'recall_macro', 'recall_micro', 'recall_weighted', 'recall',
] as const;
export type PrimaryMetric = (typeof PRIMARY_METRICS)[number];

/**
 * When to build (the rules are stored and checked now; the trigger engine reads them):
 * growth — N new labels or P % more labels since the snapshot of the current model;
 * schedule — every `everyMs`; decay — a decay alarm of the scope's model; manual — "train now".
 */
export type TriggerRule =
  | { readonly kind: 'growth'; readonly labels?: number; readonly percent?: number; readonly scopes?: readonly ScopeKind[] }
  | { readonly kind: 'schedule'; readonly everyMs: number; readonly scopes?: readonly ScopeKind[] }
  | { readonly kind: 'decay'; readonly scopes?: readonly ScopeKind[] }
  | { readonly kind: 'manual' };

export type ScopeKind = 'global' | 'group' | 'user';

/** What an application says about a task; everything but `id` and `labels` has a default. */
export interface TaskDefinition {
  readonly id: string;
  readonly labels: readonly string[];
  readonly description?: string;
  /** Only 'text' for now. */
  readonly inputKind?: 'text';
  /** Default: the ten default candidates (five classifiers × two tf-idf variants). */
  readonly candidates?: readonly CandidateSpec[];
  /** Stratified k-fold cross-validation: default 12 folds, shuffled with seed 42. */
  readonly cv?: { readonly folds?: number; readonly seed?: number };
  /** What candidates are ranked and champions compared by; default 'f1_macro'. */
  readonly primaryMetric?: PrimaryMetric;
  /** Fewest resolved labels for a model of each scope (defaults: global 20, group 100, user 50). */
  readonly minLabels?: { readonly global?: number; readonly group?: number; readonly user?: number };
  readonly selection?: {
    /**
     * 'fallback' (default): the user's model, else a group's, else the global one, each only
     * when good enough; 'ensemble': a soft vote of every available scope weighted by validated score.
     */
    readonly policy?: 'fallback' | 'ensemble';
    /**
     * With a floor, a user or group model is good enough when its validated primary metric is
     * at least the floor; without one (default), when it is at least that of the model it would replace.
     */
    readonly floor?: number | null;
  };
  readonly promotion?: {
    /** A challenger must beat the champion by more than this mean paired difference (default 0). */
    readonly margin?: number;
  };
  /** Default: growth by 10 % and manual. */
  readonly triggers?: readonly TriggerRule[];
}

/** A task's settings with every default filled in: what `tasks.config` stores. */
export interface TaskConfig {
  readonly candidates: readonly CandidateSpec[];
  readonly cv: { readonly folds: number; readonly seed: number };
  readonly primaryMetric: PrimaryMetric;
  readonly minLabels: { readonly global: number; readonly group: number; readonly user: number };
  readonly selection: { readonly policy: 'fallback' | 'ensemble'; readonly floor: number | null };
  readonly promotion: { readonly margin: number };
  readonly triggers: readonly TriggerRule[];
}

const SCOPE_KINDS: readonly ScopeKind[] = ['global', 'group', 'user'];

function bad(fn: string, field: string, want: string, got: unknown): never {
  throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${field} must be ${want}; got ${JSON.stringify(got) ?? String(got)}`, { field });
}

function int(fn: string, field: string, v: unknown, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) bad(fn, field, `an integer ≥ ${min}`, v);
  return v;
}

function num(fn: string, field: string, v: unknown, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) bad(fn, field, `a number in [${min}, ${max}]`, v);
  return v;
}

function obj(fn: string, field: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(fn, field, 'an object', v);
  return v as Record<string, unknown>;
}

function scopeKinds(fn: string, field: string, v: unknown): readonly ScopeKind[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => SCOPE_KINDS.includes(s as ScopeKind))) {
    bad(fn, field, "a non-empty list of 'global', 'group', 'user'", v);
  }
  return v as ScopeKind[];
}

function checkTrigger(fn: string, at: string, t: unknown): TriggerRule {
  const r = obj(fn, at, t);
  switch (r['kind']) {
    case 'growth': {
      const labels = r['labels'] === undefined ? undefined : int(fn, `${at}.labels`, r['labels'], 1, 0);
      const percent = r['percent'] === undefined ? undefined : num(fn, `${at}.percent`, r['percent'], Number.MIN_VALUE, 1e6, 0);
      if (labels === undefined && percent === undefined) bad(fn, `${at}`, 'a growth rule with labels (N new labels) or percent (P % growth)', t);
      const scopes = scopeKinds(fn, `${at}.scopes`, r['scopes']);
      return { kind: 'growth', ...(labels === undefined ? {} : { labels }), ...(percent === undefined ? {} : { percent }), ...(scopes ? { scopes } : {}) };
    }
    case 'schedule': {
      if (r['everyMs'] === undefined) bad(fn, `${at}.everyMs`, 'an integer ≥ 1000 (milliseconds)', undefined);
      const everyMs = int(fn, `${at}.everyMs`, r['everyMs'], 1000, 0);
      const scopes = scopeKinds(fn, `${at}.scopes`, r['scopes']);
      return { kind: 'schedule', everyMs, ...(scopes ? { scopes } : {}) };
    }
    case 'decay': {
      const scopes = scopeKinds(fn, `${at}.scopes`, r['scopes']);
      return { kind: 'decay', ...(scopes ? { scopes } : {}) };
    }
    case 'manual':
      return { kind: 'manual' };
    default:
      return bad(fn, `${at}.kind`, "'growth', 'schedule', 'decay' or 'manual'", r['kind']);
  }
}

/** Checks a definition's labels; returns them. */
export function checkLabels(fn: string, labels: unknown): string[] {
  if (!Array.isArray(labels) || labels.length < 2) bad(fn, 'labels', 'a list of at least two labels', labels);
  const seen = new Set<string>();
  for (const l of labels) {
    if (typeof l !== 'string' || l.trim() === '') bad(fn, 'labels', 'non-empty strings', l);
    if (seen.has(l)) bad(fn, 'labels', 'distinct', l);
    seen.add(l);
  }
  return [...labels] as string[];
}

/**
 * Fills in the defaults of a task definition and checks everything (candidates are built once),
 * so a task that is stored can be built. Failures are INVALID_ARGUMENT (INVALID_PARAM /
 * UNKNOWN_PARAM for an estimator's params) naming the field.
 *
 * @example resolveTaskConfig({ id: 'spam', labels: ['ham', 'spam'], cv: { folds: 5 } }).primaryMetric; // 'f1_macro'
 */
export function resolveTaskConfig(def: TaskDefinition, fn = 'createTask'): TaskConfig {
  const cv = obj(fn, 'cv', def.cv);
  const minLabels = obj(fn, 'minLabels', def.minLabels);
  const selection = obj(fn, 'selection', def.selection);
  const promotion = obj(fn, 'promotion', def.promotion);
  const primaryMetric = def.primaryMetric ?? 'f1_macro';
  if (!PRIMARY_METRICS.includes(primaryMetric)) bad(fn, 'primaryMetric', `one of ${PRIMARY_METRICS.join(', ')}`, primaryMetric);
  if (['f1', 'precision', 'recall'].includes(primaryMetric) && def.labels?.length !== 2) {
    bad(fn, 'primaryMetric', "an averaged metric ('f1_macro', …) for more than two labels", primaryMetric);
  }
  const policy = selection['policy'] ?? 'fallback';
  if (policy !== 'fallback' && policy !== 'ensemble') bad(fn, 'selection.policy', "'fallback' or 'ensemble'", policy);
  const floor = selection['floor'] === undefined || selection['floor'] === null ? null : num(fn, 'selection.floor', selection['floor'], 0, 1, 0);
  if (def.candidates !== undefined && !Array.isArray(def.candidates)) bad(fn, 'candidates', 'a list of candidate specs', def.candidates);
  const candidates = def.candidates ?? defaultCandidateSpecs();
  expandCandidates(candidates, fn);
  if (def.triggers !== undefined && !Array.isArray(def.triggers)) bad(fn, 'triggers', 'a list of trigger rules', def.triggers);
  const triggers = (def.triggers ?? [{ kind: 'growth', percent: 10 }, { kind: 'manual' }]).map((t, i) => checkTrigger(fn, `triggers[${i}]`, t));
  const folds = int(fn, 'cv.folds', cv['folds'], 2, 12);
  const config: TaskConfig = {
    candidates: candidates.map((c) => JSON.parse(JSON.stringify(c)) as CandidateSpec),
    cv: { folds, seed: int(fn, 'cv.seed', cv['seed'], 0, 42) },
    primaryMetric,
    minLabels: {
      global: int(fn, 'minLabels.global', minLabels['global'], 2, 20),
      group: int(fn, 'minLabels.group', minLabels['group'], 2, 100),
      user: int(fn, 'minLabels.user', minLabels['user'], 2, 50),
    },
    selection: { policy, floor },
    promotion: { margin: num(fn, 'promotion.margin', promotion['margin'], 0, 1, 0) },
    triggers,
  };
  return config;
}

/** The config stored with a task (written by {@link resolveTaskConfig}). */
export function taskConfigOf(task: Task): TaskConfig {
  return resolveTaskConfig({ id: task.id, labels: task.labels, ...(task.config as Partial<TaskDefinition>) }, 'taskConfig');
}

/** The config as the JSON object `tasks.config` holds. */
export function configJson(config: TaskConfig): Record<string, Json> {
  return JSON.parse(JSON.stringify(config)) as Record<string, Json>;
}
