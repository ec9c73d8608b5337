export { Random } from './random.ts';
export type { Fold, Splitter, KFoldParams } from './splitter.ts';
export { KFold } from './k-fold.ts';
export { StratifiedKFold } from './stratified-k-fold.ts';
export { crossValidate, toSklearnDict } from './cross-validate.ts';
export type { CrossValidateOptions, CrossValidateResult, CvEstimator, CvSpec, MeanStd, Scoring } from './cross-validate.ts';
export { gridSearch, parameterGrid } from './grid-search.ts';
export type { GridSearchCvResults, GridSearchOptions, GridSearchResult, ParamGridSpec, TunableEstimator } from './grid-search.ts';
