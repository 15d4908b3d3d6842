/**
 * The one analysis: client origins, repeated contexts, ownership and close-on-every-path. The
 * ESLint rules use it through `fileAnalysis`; the checker (src/check) runs those rules and reuses
 * the catalog matching and declaration keys exported here to compute its summaries.
 */
export type { CreationNode, FunctionNode, LoopNode } from './ast';
export {
  catalogKindForModule,
  catalogModules,
  declarationFileBelongsTo,
  exportPath,
  isCloseMethod,
  isInstanceFactoryOwner,
  matchClientType,
  matchConstructor,
  matchFactoryCall,
  matchInstanceFactory,
  mentionsCatalogModule,
} from './catalog-match';
export { createRule, repositoryUrl, ruleDocsUrl } from './create-rule';
export type { ConnleakRule, ConnleakRuleDocs, RuleSpec } from './create-rule';
export { ClientRecognizer } from './creations';
export type { Creation } from './creations';
export { clientWords, repetitionWords } from './describe';
export { fileAnalysis } from './file-analysis';
export type { FileAnalysis } from './file-analysis';
export { OriginResolver } from './origins';
export type { Origin } from './origins';
export { analyzeOwnership } from './ownership';
export type { CloseSite, EscapeSite, Fate, Ownership } from './ownership';
export { arrayIterationMethods, findRepeatedContext } from './repeated-contexts';
export type { RepeatedContext, RepetitionKind } from './repeated-contexts';
export { judgeRepetition } from './repetition';
export type { RepetitionOptions, RepetitionVerdict } from './repetition';
export { readSettings } from './settings';
export type { ConnleakSettings } from './settings';
export { declarationKey, emptySummaries } from './summaries';
export type { CrossFileSummaries, DeclarationLike } from './summaries';
export { TypedRecognizer, typedServices } from './typed';
export type { TypedServices } from './typed';
export { closePathListeners } from './close-paths';
export type { ClosePathOptions, PathFinding } from './close-paths';
export { closeInFinallyEdit } from './suggestions';
export type { CloseEdit } from './suggestions';
