export { bfloat16ToFloat32, float32ToBfloat16 } from './bfloat16.js';
export {
  dtypeByteSize,
  type FloatDtype,
  floatDtypes,
  isFloatDtype,
  isSafetensorsDtype,
  type SafetensorsDtype,
  safetensorsDtypes,
} from './dtype.js';
export { MissingTensorError } from './errors/missing-tensor-error.js';
export { TensorShapeError } from './errors/tensor-shape-error.js';
export { UnsupportedDtypeError } from './errors/unsupported-dtype-error.js';
export { WeightFileError } from './errors/weight-file-error.js';
export { float16ToFloat32, float32ToFloat16 } from './float16.js';
export { openCheckpointWeights } from './open-checkpoint-weights.js';
export {
  decodeHeaderLength,
  maxHeaderLength,
  parseHeader,
  type SafetensorsHeader,
  type TensorEntry,
} from './parse-header.js';
export { readShardIndex, type ShardIndex } from './read-shard-index.js';
export { SafetensorsFile, type TensorInfo } from './safetensors-file.js';
export { notAFileError, weightFileAccessError } from './weight-file-access-error.js';
export { WeightStore, type WeightStoreParts } from './weight-store.js';
export { SafetensorsWriter, type TensorPlan, type TensorToWrite, writeSafetensors } from './write-safetensors.js';
export {
  indexFileName,
  type ShardedWriteOptions,
  ShardedSafetensorsWriter,
  type ShardedWriteResult,
  singleFileName,
  writeShardedSafetensors,
} from './write-sharded-safetensors.js';
