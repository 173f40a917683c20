export {
  addGatedMlp,
  type GatedMlpSizes,
  type GatedMlpWeights,
  gatedMlp,
  gatedMlpAt,
  readGatedMlp,
} from './decoder/blocks/gated-mlp.js';
export {
  type ExpertRouting,
  type MixtureOfExpertsOptions,
  mixtureOfExperts,
  softmaxTopK,
} from './decoder/blocks/mixture-of-experts.js';
export { headNorm, selfAttention } from './decoder/blocks/self-attention.js';
export { type TokenEmbedding, tokenEmbedding } from './decoder/blocks/token-embedding.js';
export type { DecoderBlock, DecoderBlocks, DecoderLayerContext } from './decoder/decoder-block.js';
export type { DecoderIo, DecoderShapeOptions, DecoderTransformerOptions } from './decoder/decoder-options.js';
export { buildDecoderTransformer, type DecoderTransformer } from './decoder/decoder-transformer.js';
export {
  type DecoderWeightFormat,
  type DecoderWeightSource,
  DecoderWeights,
  type LinearPart,
  type LinearSpec,
  type NBitsFormat,
  type ReadLinear,
} from './decoder/decoder-weights.js';
export {
  type DecoderGraphFiles,
  type SavedDecoderTransformer,
  saveDecoderTransformer,
  type WrittenDecoderTransformer,
  writeDecoderTransformer,
} from './decoder/save-decoder-transformer.js';
export { GraphError, type GraphIssue, type GraphProblem } from './errors/graph-error.js';
export { type Attributes, type AttributeValue, attr, type TypedAttribute } from './graph/attributes.js';
export {
  GraphBuilder,
  type GroupQueryAttentionAttributes,
  type GroupQueryAttentionInputs,
  type QuantizedWeightNames,
} from './graph/graph-builder.js';
export {
  type Dim,
  type GraphBuilderOptions,
  type GraphContents,
  GraphCore,
  type GraphInitializer,
  type GraphNode,
  type NodeOptions,
  type OpOptions,
  type ValueInfo,
} from './graph/graph-core.js';
export {
  type AttentionAttributes,
  type AttentionInputs,
  type AttentionOptions,
  type AttentionOutputs,
  type IntsInput,
  type MultiOutputOptions,
  OnnxOps,
} from './graph/onnx-ops.js';
export type { GraphCheck } from './graph/validate-graph.js';
export { batchAttention, batchAttentionMask } from './layers/batch-attention.js';
export {
  type CachedAttentionInputs,
  type CachedAttentionLayout,
  type CachedAttentionShape,
  cachedAttention,
  cachePaddingBias,
  defaultCachedAttentionLayout,
  stepAttention,
} from './layers/cached-attention.js';
export type {
  DecoderAttentionOptions,
  DecoderGraphIo,
  DecoderIoRotary,
  DecoderIoShape,
} from './layers/decoder-graph-io.js';
export {
  decoderConfigSupport,
  decoderOptionsFromConfig,
  ropeScalingFromConfig,
  weightFormatForDtype,
} from './layers/decoder-options-from-config.js';
export { optimumDecoderIo, optimumIoNames } from './layers/optimum-decoder-io.js';
export { type DecoderIoNames, type PioAttentionKind, pioDecoderIo } from './layers/pio-decoder-io.js';
export { prefillAttention } from './layers/prefill-attention.js';
export { type RmsNormImplementation, rmsNorm } from './layers/rms-norm.js';
export {
  addRotaryCaches,
  inverseFrequencies,
  type RopeScaling,
  type RotaryCacheOptions,
  type RotaryCaches,
  rotaryCaches,
  yarnAttentionFactor,
  yarnMscale,
} from './layers/rotary.js';
export {
  dequantizeMatMulNBits,
  type NBitsOptions,
  type PrequantizedLinear,
  type QuantizedMatMulNBits,
  quantizeLinearNBits,
  quantizeMatMulNBits,
  stackPrequantized,
} from './quantization/matmul-nbits.js';
export { OnnxImportError } from './rewrite/onnx-import-error.js';
export {
  type PreparedOptimumDecoder,
  type PrepareOptimumDecoderOptions,
  prepareOptimumDecoder,
} from './rewrite/prepare-optimum-decoder.js';
export {
  type OptimumDecoderShape,
  type OptimumRewrite,
  type OptimumRewriteIo,
  type OptimumRewriteOptions,
  rewriteOptimumDecoder,
} from './rewrite/rewrite-optimum-decoder.js';
export { ExternalDataError } from './serialize/external-data-error.js';
export type { ExternalPlacement, StreamedExternalData } from './serialize/external-data-writer.js';
export { type ModelProto, onnx } from './serialize/onnx-proto.js';
export type { SavedModel, SaveOptions } from './serialize/save-model.js';
export { defaultElemType, type ElemType, elemTypeByteSize, onnxDataType, type TensorData } from './tensor/elem-type.js';
export { float16ToFloat32, float32ToFloat16 } from './tensor/float16.js';
