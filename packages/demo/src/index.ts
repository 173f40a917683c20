export {
  buildHfConfig,
  type CheckpointDtype,
  transformersVersion,
} from './checkpoint/build-hf-config.js';
export {
  createRandomWeights,
  type RandomWeightsOptions,
  randomWeightTensors,
} from './checkpoint/create-random-weights.js';
export { shardLimitForCount } from './checkpoint/shard-limit-for-count.js';
export {
  type RandomCheckpoint,
  type RandomCheckpointOptions,
  writeRandomCheckpoint,
} from './checkpoint/write-random-checkpoint.js';
export { writeTensors } from './checkpoint/write-tensors.js';
export type { DecoderShape, ExpertsShape, LatentAttentionShape, RopeScaling } from './config/decoder-shape.js';
export { decoderWeightShapes } from './config/decoder-weight-shapes.js';
export {
  type Architecture,
  architectures,
  type HfDecoderConfig,
  type HfRopeScaling,
} from './config/hf-decoder-config.js';
export { configNameOf, resolveDecoderShape } from './config/resolve-decoder-shape.js';
export {
  type DemoCheckpoint,
  demoCheckpointDir,
  demoCheckpointName,
  demoCheckpointOptions,
  ensureDemoCheckpoint,
} from './demo-checkpoint.js';
export { RandomCheckpointError } from './errors/random-checkpoint-error.js';
export { createRng, type Rng } from './rng/create-rng.js';
export { tokenizerDir } from './tokenizer/tokenizer-dir.js';
export {
  demoTokenizerName,
  type TokenizerInfo,
  type TokenizerName,
  tokenizerInfo,
  tokenizerNames,
} from './tokenizer/tokenizer-info.js';
