import { type ReferenceShape, referenceShapes } from '@pio/test-kit';

/** A named model shape for the side-by-side benchmark. */
export interface BenchShape extends ReferenceShape {
  /** Whether an F32 GGUF is written too, to check both engines' greedy tokens agree (small shapes only: F32 of 4 B is 16 GB). */
  checkF32: boolean;
  /**
   * Whether a run without `--shapes` includes it. The Qwen3-MoE shapes are
   * run when named: their checkpoints take 6–10 GB and their builds minutes.
   */
  byDefault: boolean;
}

/** Small enough for an F32 GGUF as well. */
const checkedAtF32 = new Set(['smollm2-135m']);

/**
 * The test kit's reference shapes (SmolLM2-135M, Llama-3.2-1B, Qwen3-4B, and
 * Qwen3-30B-A3B's layer shape with 16 experts, or 128 experts over 4 layers:
 * what people run on a 2-core, 24 GB machine, as random BF16 checkpoints).
 * llama.cpp gets the same weights as GGUF (`writeGgufCheckpoint`: `qwen3moe`
 * with stacked experts for the MoE shapes).
 */
export const benchShapes: readonly BenchShape[] = referenceShapes.map((shape) => ({
  ...shape,
  checkF32: checkedAtF32.has(shape.name),
  byDefault: shape.recipe.arch !== 'qwen3_moe',
}));
