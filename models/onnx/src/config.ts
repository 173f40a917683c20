import { type ConfigSchema, DecoderConfig, defineDecoderConfigSchema } from '@pio/core';
import { z } from 'zod';

const schema = defineDecoderConfigSchema({
  pastPadding: z.enum(['mask', 'slice'], { error: 'must be mask or slice' }).optional(),
  variant: z
    .string({ error: 'must be a variant name (fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4) or a file name in onnx/' })
    .trim()
    .min(1)
    .optional(),
});

/**
 * The config of an exported ONNX folder: the folder's `config.json` read as a
 * {@link DecoderConfig} (sizes of the KV cache and vocabulary), plus the runtime
 * field `variant` choosing the graph file in `onnx/` (see {@link resolveOnnxVariant}).
 */
export class OnnxFolderConfig extends DecoderConfig {
  static override readonly schema: ConfigSchema = schema as unknown as ConfigSchema;
  /**
   * The graph to run: a transformers.js dtype (`fp32` = `model.onnx`, `fp16` =
   * `model_fp16.onnx`, `q8` = `model_quantized.onnx`, `int8`, `uint8`, `q4`,
   * `q4f16`, `bnb4`) or a file name in `onnx/`. Unset: `model.onnx`, else the
   * first variant found.
   */
  declare readonly variant: string | undefined;
  /**
   * How the engine's padding cache row is kept out of attention: `mask` (one
   * copy of the cache fewer per step) or `slice`. Unset: chosen from the graph
   * (see `OptimumRewriteOptions.pastPadding` in @pio/onnx). Force `slice` for a
   * graph that ignores its attention mask for past positions.
   */
  declare readonly pastPadding: 'mask' | 'slice' | undefined;
}
