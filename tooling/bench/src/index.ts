export type { EngineJob, EngineName, EngineResult, PromptTiming } from './engines/engine-job.js';
export { formatVsLlamaCpp } from './format-vs-llamacpp.js';
export { measureReadBandwidth } from './read-bandwidth.js';
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
