export { BatchScheduler, type BatchSchedulerOptions } from './batch/batch-scheduler.js';
export { SlotKvPool, type SlotKvPoolOptions } from './batch/slot-kv-pool.js';
export {
  BuildCache,
  type BuildRecord,
  type CachedBuild,
  checkpointBuildKey,
  type GetOrBuildOptions,
} from './build-cache/build-cache.js';
export { BuildCacheError } from './build-cache/build-cache-error.js';
export { type BuildFileChecksum, hashFile } from './build-cache/build-checksums.js';
export { ChatTemplateError } from './chat/chat-template-error.js';
export { type RenderChatOptions, renderChat } from './chat/render-chat.js';
export { type DecoderShape, decoderIo } from './decoder/decoder-io.js';
export {
  type DecoderGraphs,
  DecoderRunner,
  type DecoderRunnerOptions,
  defaultPromptChunk,
} from './decoder/decoder-runner.js';
export { type DecoderIoStyle, type GraphSaveOptions, graphSaveOptions } from './decoder/graph-save-options.js';
export { ExportError } from './export/export-error.js';
export {
  exportTransformersJsFolder,
  type TransformersJsExport,
  type TransformersJsExportOptions,
} from './export/export-transformers-js-folder.js';
export { argmax } from './generation/argmax.js';
export { type GenerateTokensOptions, generateTokens } from './generation/generate-tokens.js';
export { type DecodeFn, IncrementalDecoder } from './generation/incremental-decoder.js';
export {
  applyPenalties,
  type Candidates,
  filterCandidates,
  Sampler,
  type SamplingSettings,
  TokenHistory,
} from './generation/sampler.js';
export { type RandomSource, seededRandom } from './generation/seeded-random.js';
export { type StopMatch, StopStringMatcher } from './generation/stop-string-matcher.js';
export { ggufBuildKey } from './gguf/gguf-build-key.js';
export { ggufHuggingFaceConfig, ggufMappedArchitectures } from './gguf/gguf-config.js';
export {
  type GgufTensorLocation,
  type GgufWeightLayout,
  GgufWeightSource,
  ggufTensorLocation,
  ggufTensorName,
  unpermuteRotaryRows,
} from './gguf/gguf-weight-source.js';
export { type GgufCheckpointParts, openGgufCheckpoint } from './gguf/open-gguf-checkpoint.js';
export { KvCache, type KvCacheOptions } from './kv-cache/kv-cache.js';
export { checkMemoryFit, estimateModelBytes } from './plugin/check-memory-fit.js';
export type {
  BuildGraphsArgs,
  BuiltGraphs,
  CheckpointWeights,
  ConfigClass,
  DecoderCacheShape,
  DecoderModelDefinition,
  PrepareGraphsArgs,
} from './plugin/decoder-model-definition.js';
export { DecoderTextPlugin } from './plugin/decoder-text-plugin.js';
export { type GenerationDefaults, readGenerationConfig } from './plugin/generation-config.js';
export {
  isTokenScorer,
  logSoftmaxAt,
  type ScoreTokensOptions,
  scoreTokensWith,
  type TokenScorer,
  type TokenScores,
} from './plugin/score-tokens.js';
export { createSession, type GraphSource, type SessionSettings } from './session/create-session.js';
export { type DecodeOptions, type EncodeOptions, TextTokenizer } from './tokenizer/text-tokenizer.js';
