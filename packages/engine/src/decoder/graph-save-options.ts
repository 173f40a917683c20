/**
 * The I/O a decoder graph is built with: `'pio'`, the engine's own
 * ({@link decoderIo}: batch 1, KV cache kept in JS, only the new K/V out), or
 * `'optimum'`, Hugging Face Optimum's (`input_ids`, `attention_mask`,
 * `position_ids`, `past_key_values.{i}.key|value` in; `logits`,
 * `present.{i}.key|value` out), which transformers.js runs.
 */
export type DecoderIoStyle = 'pio' | 'optimum';

/** How a model saves its graph (the `SaveOptions` of `@pio/onnx` it must use). */
export interface GraphSaveOptions {
  /** File name inside the output folder. */
  modelFile: string;
  /** `true`: weights in the side file `<modelFile>_data`; `'auto'`: only when they pass 2 GiB. */
  externalData: boolean | 'auto';
}

/**
 * Where a model's graph builder saves its graph for an I/O style, so the
 * engine and exporters find it:
 *
 * - `'pio'`: `decoder.onnx`, weights always in `decoder.onnx_data`;
 * - `'optimum'`: `model.onnx`, weights in `model.onnx_data` only when they
 *   do not fit one protobuf message (2 GiB), the names transformers.js loads
 *   (`onnx/model.onnx` is its fp32 file).
 *
 * @param args the `ioStyle` (default `'pio'`) and `externalData` (overrides the style's default) of the build
 */
export function graphSaveOptions(args: {
  ioStyle?: DecoderIoStyle;
  externalData?: boolean | 'auto';
}): GraphSaveOptions {
  return args.ioStyle === 'optimum'
    ? { modelFile: 'model.onnx', externalData: args.externalData ?? 'auto' }
    : { modelFile: 'decoder.onnx', externalData: args.externalData ?? true };
}
