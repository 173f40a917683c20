/**
 * The file-name suffixes transformers.js exports give each ONNX dtype:
 * `onnx/model.onnx` is fp32, `onnx/model_q4.onnx` q4, and so on.
 */
export const onnxDtypeSuffixes = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;

/** An ONNX weight variant of a transformers.js export, by the name transformers.js gives it. */
export type OnnxDtype = keyof typeof onnxDtypeSuffixes;

/** Every {@link OnnxDtype}, in the order one is picked when none is asked for. */
export const onnxDtypes = Object.keys(onnxDtypeSuffixes) as OnnxDtype[];

/** True when `value` names an {@link OnnxDtype}. */
export function isOnnxDtype(value: string): value is OnnxDtype {
  return Object.hasOwn(onnxDtypeSuffixes, value);
}

const suffixesLongestFirst = onnxDtypes
  .filter((dtype) => onnxDtypeSuffixes[dtype] !== '')
  .sort((a, b) => onnxDtypeSuffixes[b].length - onnxDtypeSuffixes[a].length);

/** Splits an ONNX file name stem (`model_q4`) into its base (`model`) and dtype (`q4`). */
export function parseOnnxStem(stem: string): { base: string; dtype: OnnxDtype } {
  for (const dtype of suffixesLongestFirst) {
    const suffix = onnxDtypeSuffixes[dtype];
    if (stem.endsWith(suffix) && stem.length > suffix.length) return { base: stem.slice(0, -suffix.length), dtype };
  }
  return { base: stem, dtype: 'fp32' };
}
