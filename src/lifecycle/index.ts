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
  type TriggerCall,
} from './curator.ts';
export {
  resolveTaskConfig, PRIMARY_METRICS, DEFAULT_DECAY, decayParamsOf,
  type DecayParams, type TaskDefinition, type TaskConfig, type TriggerRule, type PrimaryMetric, type ScopeKind,
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
export { TriggerEngine, triggersOf, type TriggerEngineOptions, type FiringResult, type TriggerHost } from './triggers/trigger-engine.ts';
export { systemClock, type Clock, type Trigger, type TriggerSignal, type TriggerContext, type Firing } from './triggers/trigger.ts';
export { GrowthTrigger } from './triggers/growth-trigger.ts';
export { ScheduleTrigger } from './triggers/schedule-trigger.ts';
export { DecayTrigger } from './triggers/decay-trigger.ts';
export { ManualTrigger } from './triggers/manual-trigger.ts';
export { Monitor, type MonitorOptions, type ModelMonitorReport, type WindowReport } from './monitor/monitor.ts';
export {
  ConfusionMatrix, Accuracy, Precision, Recall, F1, CountWindow, TimeWindow, metricFromMatrix, figuresOf,
  type RollingMetric, type WindowFigures,
} from './monitor/rolling-metrics.ts';
export { binomialCdf, oneSidedBinomialTest, decayTests, type ProportionTest } from './monitor/decay-test.ts';
export { InProcessModelChangeBus, type ModelChange, type ModelChangeBus } from './model-change-bus.ts';
export { openModelChangeBus } from './model-change-bus-open.ts';
