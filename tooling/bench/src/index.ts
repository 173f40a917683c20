// Kept here for callers of @pio/bench; it lives in @pio/test-kit so model packages need not depend on the bench.
export { measureReadBandwidth } from '@pio/test-kit';
export type { BatchJob, BatchLevelResult, BatchResult } from './batch/batch-job.js';
export {
  type BatchLevelFigures,
  type BatchLevelReport,
  type BatchVsLlamaCppOptions,
  type BatchVsLlamaCppReport,
  benchBatchVsLlamaCpp,
  formatBatchVsLlamaCpp,
} from './batch/batch-vs-llamacpp.js';
export type { EngineJob, EngineName, EngineResult, PromptTiming } from './engines/engine-job.js';
export { formatVsLlamaCpp } from './format-vs-llamacpp.js';
export { runEngine } from './run-engine.js';
export { type BenchShape, benchShapes } from './shapes/bench-shapes.js';
export {
  benchVsLlamaCpp,
  type ComparedFigure,
  type EnginePair,
  type Figure,
  type PairReport,
  type VsLlamaCppOptions,
  type VsLlamaCppReport,
} from './vs-llamacpp.js';
