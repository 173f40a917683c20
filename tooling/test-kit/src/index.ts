// Random checkpoints live in the published @pio/demo (the `pio demo` checkpoint); the kit re-exports them.
export {
  type Architecture,
  architectures,
  buildHfConfig,
  type CheckpointDtype,
  createRandomWeights,
  createRng,
  type DecoderShape,
  decoderWeightShapes,
  demoTokenizerName,
  type HfDecoderConfig,
  type HfRopeScaling,
  RandomCheckpointError,
  type RandomWeightsOptions,
  type Rng,
  type RopeScaling,
  resolveDecoderShape,
  shardLimitForCount,
  type TokenizerInfo,
  type TokenizerName,
  tokenizerInfo,
  tokenizerNames,
  transformersVersion,
} from '@pio/demo';
export { BenchmarkError } from './bench/benchmark-error.js';
export type {
  BenchmarkBaseline,
  BuildMeasurement,
  DecodeMeasurement,
  DecoderBenchmarkReport,
  DtypeBenchmark,
  DtypeSummary,
  MachineInfo,
  PrefillMeasurement,
  RunMeasurement,
  TimingSummary,
} from './bench/benchmark-report.js';
export { formatBenchmarkTable } from './bench/format-benchmark-table.js';
export { machineInfo } from './bench/machine-info.js';
export { type LoadSettings, measureBuild, measureRun, type RunSettings } from './bench/measure-decoder.js';
export { type IdleWait, waitForIdleCpu, watchOtherCpuShare } from './bench/other-cpu-share.js';
export {
  type BenchCheckpoint,
  type BenchCheckpointRecipe,
  prepareBenchCheckpoint,
} from './bench/prepare-bench-checkpoint.js';
export { measureReadBandwidth } from './bench/read-bandwidth.js';
export { qwen3MoeConfig, type ReferenceShape, referenceShapes, smolLm2Config } from './bench/reference-shapes.js';
export { type DecoderBenchmarkOptions, runDecoderBenchmark } from './bench/run-decoder-benchmark.js';
export { summarizeTimings } from './bench/summarize-timings.js';
export { type TrimmedTokenizer, trimTokenizer } from './bench/trim-tokenizer.js';
export { type CheckpointShape, type CheckpointShapeName, checkpointShapes } from './checkpoint/checkpoint-shapes.js';
export { copyCheckpoint, editCheckpointConfig } from './checkpoint/edit-checkpoint.js';
export {
  type RandomCheckpoint,
  type RandomCheckpointOptions,
  writeRandomCheckpoint,
} from './checkpoint/write-random-checkpoint.js';
export { TestKitError } from './errors/test-kit-error.js';
export { writeDequantizedGguf } from './gguf/dequantize-gguf-file.js';
export { detectGgufPreTokenizer, ggufTokenizerMetadata } from './gguf/gguf-tokenizer-metadata.js';
export { permuteRotaryRows } from './gguf/permute-rotary-rows.js';
export { type SpmTestVocabulary, spmTestVocabulary } from './gguf/spm-test-vocabulary.js';
export { tokenizerTestStrings } from './gguf/tokenizer-test-strings.js';
export {
  type GgufCheckpoint,
  type GgufCheckpointOptions,
  type GgufWeightType,
  writeGgufCheckpoint,
} from './gguf/write-gguf-checkpoint.js';
export { writeVocabOnlyGguf } from './gguf/write-vocab-only-gguf.js';
export { argmaxWithMargin, type TopToken } from './reference/argmax-with-margin.js';
export { cosineSimilarity } from './reference/cosine-similarity.js';
export { linear } from './reference/linear.js';
export { maxAbsDiff } from './reference/max-abs-diff.js';
export {
  type ReferenceForwardOptions,
  type ReferenceWeights,
  referenceForward,
} from './reference/reference-forward.js';
export {
  type ReferenceGreedyOptions,
  type ReferenceGreedyResult,
  referenceGreedy,
} from './reference/reference-greedy.js';
export { createReferenceKvCache, ReferenceKvCache } from './reference/reference-kv-cache.js';
export { rmsNormRows } from './reference/rms-norm.js';
export {
  applyRotaryEmbedding,
  type RopeSettings,
  ropeAttentionFactor,
  ropeInverseFrequencies,
  yarnMagnitude,
} from './reference/rope.js';
export { type RandomJsonSchemaOptions, randomJsonSchema } from './schema/random-json-schema.js';
export { createPackagePlugin } from './suites/create-package-plugin.js';
export { describeGgufSuite, type GgufSuiteFiles, type GgufSuiteOptions } from './suites/describe-gguf-suite.js';
export {
  describeInferenceSuite,
  type InferenceSuiteOptions,
  type SteppingTextPlugin,
} from './suites/describe-inference-suite.js';
export {
  describeQuantizedSuite,
  type QuantizedSuiteOptions,
  type QuantizedSuiteRun,
} from './suites/describe-quantized-suite.js';
export { initializeFailure } from './suites/initialize-failure.js';
export {
  type BrokenCheckpoints,
  type BrokenCheckpointsOptions,
  useBrokenCheckpoints,
} from './suites/use-broken-checkpoints.js';
export { loadTokenizerFiles, type TokenizerFiles, tokenizerDir } from './tokenizer/load-tokenizer-files.js';
