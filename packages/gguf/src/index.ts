export { GgufFileError } from './errors/gguf-file-error.js';
export {
  GgmlType,
  type GgmlTypeLayout,
  type GgmlTypeName,
  ggmlTensorBytes,
  ggmlTypeLayouts,
  ggmlTypeName,
} from './format/ggml-type.js';
export {
  type GgufArray,
  type GgufScalar,
  type GgufValue,
  GgufValueType,
  type GgufValueTypeId,
  gguf,
  ggufScalarSize,
} from './format/gguf-value-type.js';
export { dequantizeQ4_0, quantizeQ4_0 } from './quantize/q4-0.js';
export { dequantizeQ8_0, quantizeQ8_0 } from './quantize/q8-0.js';
export { type GgufHeader, type GgufTensorInfo, readGgufHeader } from './read/read-gguf-header.js';
export {
  type GgufFileContents,
  type GgufTensorToWrite,
  type GgufWriteResult,
  writeGgufFile,
} from './write/write-gguf-file.js';
