export { buildHfConfig, type CheckpointDtype, transformersVersion } from './checkpoint/build-hf-config.js';
export { type CheckpointShape, type CheckpointShapeName, checkpointShapes } from './checkpoint/checkpoint-shapes.js';
export { createRandomWeights, type RandomWeightsOptions } from './checkpoint/create-random-weights.js';
export { shardLimitForCount } from './checkpoint/shard-limit-for-count.js';
export {
  type RandomCheckpoint,
  type RandomCheckpointOptions,
  writeRandomCheckpoint,
} from './checkpoint/write-random-checkpoint.js';
export type { DecoderShape, RopeScaling } from './config/decoder-shape.js';
export { decoderWeightShapes } from './config/decoder-weight-shapes.js';
export {
  type Architecture,
  architectures,
  type HfDecoderConfig,
  type HfRopeScaling,
} from './config/hf-decoder-config.js';
export { resolveDecoderShape } from './config/resolve-decoder-shape.js';
export { TestKitError } from './errors/test-kit-error.js';
export { argmaxWithMargin, type TopToken } from './reference/argmax-with-margin.js';
export { linear } from './reference/linear.js';
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
export { applyRotaryEmbedding, type RopeSettings, ropeInverseFrequencies } from './reference/rope.js';
export { createRng, type Rng } from './rng/create-rng.js';
export { loadTokenizerFiles, type TokenizerFiles, tokenizerDir } from './tokenizer/load-tokenizer-files.js';
export {
  demoTokenizerName,
  type TokenizerInfo,
  type TokenizerName,
  tokenizerInfo,
  tokenizerNames,
} from './tokenizer/tokenizer-info.js';
export { describeInferenceSuite, type InferenceSuiteOptions, type SteppingTextPlugin } from './suites/describe-inference-suite.js';
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
export { type DecoderBenchmarkOptions, runDecoderBenchmark } from './bench/run-decoder-benchmark.js';
export { summarizeTimings } from './bench/summarize-timings.js';
export { type TrimmedTokenizer, trimTokenizer } from './bench/trim-tokenizer.js';
