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
  | ({ readonly kind: 'decay'; readonly scopes?: readonly ScopeKind[] } & Partial<DecayParams>)
  | { readonly kind: 'manual' };

/**
 * When a model's live scores count as decayed (a decay rule's settings; the monitor uses the
 * defaults for tasks without a decay rule, then records alarms without rebuilding).
 */
export interface DecayParams {
  /** Alarm when the live primary metric of the count window is below this (default null: no floor). */
  readonly floor: number | null;
  /** Family-wise level of the one-sided exact binomial tests (default 0.01). */
  readonly alpha: number;
  /** Tolerated drop below the cross-validated estimate before the test counts it (default 0.05). */
  readonly margin: number;
  /** Fewest feedbacks in the window (and trials per tested proportion) before any alarm (default 30). */
  readonly minSamples: number;
  /** The count window: the last N feedbacks per model (default 200). */
  readonly window: number;
  /** The time window in milliseconds (default 7 days). */
  readonly windowMs: number;
}

/** Decay settings when a task has no decay rule or leaves some out. */
export const DEFAULT_DECAY: DecayParams = { floor: null, alpha: 0.01, margin: 0.05, minSamples: 30, window: 200, windowMs: 7 * 24 * 3600 * 1000 };

/** A decay rule's settings with defaults filled in. */
export function decayParamsOf(rule: Partial<DecayParams> | undefined): DecayParams {
  return {
    floor: rule?.floor ?? DEFAULT_DECAY.floor,
    alpha: rule?.alpha ?? DEFAULT_DECAY.alpha,
    margin: rule?.margin ?? DEFAULT_DECAY.margin,
    minSamples: rule?.minSamples ?? DEFAULT_DECAY.minSamples,
    window: rule?.window ?? DEFAULT_DECAY.window,
    windowMs: rule?.windowMs ?? DEFAULT_DECAY.windowMs,
  };
}

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
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => SCOPE_KINDS.includes(s as ScopeKind)) || new Set(v).size !== v.length) {
    bad(fn, field, "a non-empty list of distinct 'global', 'group', 'user'", v);
  }
  return v as ScopeKind[];
}

const RULE_KEYS: Readonly<Record<string, readonly string[]>> = {
  growth: ['kind', 'labels', 'percent', 'scopes'],
  schedule: ['kind', 'everyMs', 'scopes'],
  decay: ['kind', 'scopes', 'floor', 'alpha', 'margin', 'minSamples', 'window', 'windowMs'],
  manual: ['kind'],
};

function checkTrigger(fn: string, at: string, t: unknown): TriggerRule {
  const r = obj(fn, at, t);
  if (t === undefined) bad(fn, at, 'a trigger rule object', t);
  const allowed = RULE_KEYS[String(r['kind'])];
  if (allowed !== undefined) {
    for (const key of Object.keys(r)) {
      if (!allowed.includes(key)) {
        throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${at}.${key} is not a setting of a ${String(r['kind'])} rule (${allowed.filter((k) => k !== 'kind').join(', ') || 'none'})`, { field: `${at}.${key}` });
      }
    }
  }
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
      const out: Record<string, unknown> = { kind: 'decay', ...(scopes ? { scopes } : {}) };
      if (r['floor'] !== undefined && r['floor'] !== null) out['floor'] = num(fn, `${at}.floor`, r['floor'], 0, 1, 0);
      if (r['alpha'] !== undefined) {
        out['alpha'] = num(fn, `${at}.alpha`, r['alpha'], 0, 0.5, 0);
        if (out['alpha'] === 0) bad(fn, `${at}.alpha`, 'a significance level in (0, 0.5]', r['alpha']);
      }
      if (r['margin'] !== undefined) out['margin'] = num(fn, `${at}.margin`, r['margin'], 0, 1, 0);
      if (r['minSamples'] !== undefined) out['minSamples'] = int(fn, `${at}.minSamples`, r['minSamples'], 1, 0);
      if (r['window'] !== undefined) out['window'] = int(fn, `${at}.window`, r['window'], 1, 0);
      if (r['windowMs'] !== undefined) out['windowMs'] = int(fn, `${at}.windowMs`, r['windowMs'], 1000, 0);
      const minSamples = (out['minSamples'] as number | undefined) ?? DEFAULT_DECAY.minSamples;
      const window = (out['window'] as number | undefined) ?? DEFAULT_DECAY.window;
      if (minSamples > window) bad(fn, `${at}.minSamples`, `at most the window (${window} feedbacks), or no alarm could ever fire`, minSamples);
      return out as TriggerRule;
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
