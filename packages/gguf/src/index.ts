export { type GgufErrorKind, GgufFileError } from './errors/gguf-file-error.js';
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
  type GgufArrayItem,
  type GgufScalar,
  type GgufValue,
  GgufValueType,
  type GgufValueTypeId,
  gguf,
  ggufScalarSize,
} from './format/gguf-value-type.js';
export {
  type GgmlMatMulNBits,
  ggmlToMatMulNBits,
  matMulNBitsTypes,
} from './matmul-nbits/ggml-to-matmul-nbits.js';
export { dequantizeGgml } from './quantize/dequantize-ggml.js';
export { dequantizeQ2_K } from './quantize/q2-k.js';
export { dequantizeQ3_K } from './quantize/q3-k.js';
export { dequantizeQ4_0, quantizeQ4_0 } from './quantize/q4-0.js';
export { dequantizeQ4_1 } from './quantize/q4-1.js';
export { dequantizeQ4_K, quantizeQ4_K } from './quantize/q4-k.js';
export { dequantizeQ5_0 } from './quantize/q5-0.js';
export { dequantizeQ5_1 } from './quantize/q5-1.js';
export { dequantizeQ5_K } from './quantize/q5-k.js';
export { dequantizeQ6_K, quantizeQ6_K } from './quantize/q6-k.js';
export { dequantizeQ8_0, quantizeQ8_0 } from './quantize/q8-0.js';
export { GgufFile, type GgufRawTensor, ggufSplitPaths } from './read/gguf-file.js';
export { GgufMetadata, ggufTypeName } from './read/gguf-metadata.js';
export { type GgufTypeShare, ggufTypeSummary } from './read/gguf-type-summary.js';
export { type GgufHeader, type GgufTensorInfo, readGgufHeader } from './read/read-gguf-header.js';
export { type GgufTokenizer, GgufTokenType, ggufTokenizer } from './tokenizer/gguf-tokenizer.js';
export { type GgufPreTokenizer, ggufPreTokenizer, ggufPreTokenizerNames } from './tokenizer/pre-tokenizers.js';
export { spmMerges } from './tokenizer/spm-merges.js';
export {
  type GgufFileContents,
  type GgufTensorToWrite,
  type GgufWriteResult,
  writeGgufFile,
} from './write/write-gguf-file.js';
