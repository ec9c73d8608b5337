/**
 * src/lifecycle: the model life cycle as a library — tasks, the labelled corpus, builds with
 * cross-validation and a promotion policy, per-user/group/global selection, the prediction log.
 *
 * @example
 * import { createCurator } from './lifecycle/index.ts';
 * const curator = await createCurator({ store: 'sqlite:./data/curator.db' });
 */
export {
  createCurator, Curator,
  type CuratorConfig, type DocumentInput, type AnnotationInput, type FeedbackInput, type BuildCall, type PredictCall, type PredictionAnswer,
} from './curator.ts';
export {
  resolveTaskConfig, PRIMARY_METRICS,
  type TaskDefinition, type TaskConfig, type TriggerRule, type PrimaryMetric, type ScopeKind,
} from './task-config.ts';
export { defaultCandidateSpecs, expandCandidates, CLASSIFIER_KINDS, type CandidateSpec, type ExpandedCandidate } from './candidates.ts';
export { runBuild, type BuildRequest, type BuildOutcome, type BuildProgress, type BuildOptions, type BuildDecision, type CandidateScore } from './build.ts';
export { InProcessBuildRunner, type BuildRunner } from './build-runner.ts';
export { decidePromotion, metricOf, type PromotionDecision, type PairedFold } from './promotion-policy.ts';
export { FallbackSelection, EnsembleSelection, type SelectionPolicy, type Selection, type Available } from './selection.ts';
export { ModelCache } from './model-cache.ts';
export { ServedModel, type ModelVote } from './served-model.ts';
export { PredictionLog, type PredictionLogOptions, type PredictionLogStats } from './prediction-log.ts';
export { scopeKey } from './scope-key.ts';
