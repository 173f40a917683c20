import { type ConfigSchema, DecoderConfig, defineDecoderConfigSchema } from '@pio/core';
import { z } from 'zod';

const count = (what: string) => z.number({ error: `must be ${what}` }).int({ error: `must be ${what}` });

const schema = defineDecoderConfigSchema(
  {
    attentionBias: z.boolean({ error: 'must be true or false' }).default(false),
    useSlidingWindow: z.boolean({ error: 'must be true or false' }).default(false),
    numExperts: count('a positive integer').positive({ error: 'must be a positive integer' }).default(128),
    numExpertsPerTok: count('a positive integer').positive({ error: 'must be a positive integer' }).default(8),
    moeIntermediateSize: count('a positive integer').positive({ error: 'must be a positive integer' }).default(768),
    normTopkProb: z.boolean({ error: 'must be true or false' }).default(true),
    decoderSparseStep: count('a positive integer').positive({ error: 'must be a positive integer' }).default(1),
    mlpOnlyLayers: z.array(count('a layer index').nonnegative({ error: 'must be a layer index' })).default([]),
  },
  (config, ctx) => {
    if (config.useSlidingWindow) {
      ctx.addIssue({
        code: 'custom',
        path: ['useSlidingWindow'],
        input: true,
        message: 'sliding-window attention is not supported; Qwen3-MoE checkpoints set use_sliding_window to false',
      });
    }
    if (config.numExpertsPerTok > config.numExperts) {
      ctx.addIssue({
        code: 'custom',
        path: ['numExpertsPerTok'],
        input: config.numExpertsPerTok,
        message: `must be at most numExperts (${config.numExperts}): a token cannot pick more experts than a layer has`,
      });
    }
    const outside = config.mlpOnlyLayers.filter((layer) => layer >= config.numHiddenLayers);
    if (outside.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['mlpOnlyLayers'],
        input: config.mlpOnlyLayers,
        message: `lists layers ${outside.join(', ')}, but the model has ${config.numHiddenLayers} (indices 0 to ${config.numHiddenLayers - 1})`,
      });
    }
  },
);

/**
 * The config of a Qwen3 mixture-of-experts model (`Qwen3MoeForCausalLM`,
 * `model_type: qwen3_moe`): Qwen3's attention (per-head q/k RMSNorm,
 * explicit `head_dim`) and, in sparse layers, `num_experts` experts of width
 * `moe_intermediate_size` of which each token uses `num_experts_per_tok`.
 * A layer is sparse unless listed in `mlp_only_layers`, when
 * `(layer + 1) % decoder_sparse_step === 0`; dense layers use
 * `intermediate_size`. Defaults are Qwen3-30B-A3B's.
 */
export class Qwen3MoeConfig extends DecoderConfig {
  static override readonly schema: ConfigSchema = schema as unknown as ConfigSchema;
  static override readonly huggingFaceKeys = {
    ...DecoderConfig.huggingFaceKeys,
    attentionBias: 'attention_bias',
    useSlidingWindow: 'use_sliding_window',
    numExperts: 'num_experts',
    numExpertsPerTok: 'num_experts_per_tok',
    moeIntermediateSize: 'moe_intermediate_size',
    normTopkProb: 'norm_topk_prob',
    decoderSparseStep: 'decoder_sparse_step',
    mlpOnlyLayers: 'mlp_only_layers',
  };
  /** q/k/v/o projections have biases (`attention_bias`, false in released checkpoints). */
  declare readonly attentionBias: boolean;
  /** `use_sliding_window`; only false is supported. */
  declare readonly useSlidingWindow: boolean;
  /** Experts per sparse layer (`num_experts`). */
  declare readonly numExperts: number;
  /** Experts per token (`num_experts_per_tok`). */
  declare readonly numExpertsPerTok: number;
  /** Width of one expert (`moe_intermediate_size`). */
  declare readonly moeIntermediateSize: number;
  /** Divide the chosen routing weights by their sum (`norm_topk_prob`). */
  declare readonly normTopkProb: boolean;
  /** Every `decoder_sparse_step`-th layer is sparse. */
  declare readonly decoderSparseStep: number;
  /** Layers that keep a dense MLP (`mlp_only_layers`). */
  declare readonly mlpOnlyLayers: readonly number[];

  /** True when `layer` is a mixture of experts (as `Qwen3MoeDecoderLayer` decides). */
  isSparseLayer(layer: number): boolean {
    return !this.mlpOnlyLayers.includes(layer) && this.numExperts > 0 && (layer + 1) % this.decoderSparseStep === 0;
  }

  /** How many layers are sparse. */
  get sparseLayerCount(): number {
    let sparse = 0;
    for (let layer = 0; layer < this.numHiddenLayers; layer++) if (this.isSparseLayer(layer)) sparse++;
    return sparse;
  }

  /** Every parameter: attention, norms, embeddings, dense MLPs, routers and all experts. */
  override estimateParameters(): number {
    return this.countParameters(this.numExperts);
  }

  /** Parameters one token reads: every expert but the `numExpertsPerTok` chosen ones left out. */
  override activeParameters(): number {
    return this.countParameters(this.numExpertsPerTok);
  }

  private countParameters(expertsPerLayer: number): number {
    const h = this.hiddenSize;
    const sparse = this.sparseLayerCount;
    // The base count holds every layer with a dense MLP: swap the sparse ones for router + experts.
    const denseMlp = 3 * h * this.intermediateSize;
    const moe = this.numExperts * h + expertsPerLayer * 3 * h * this.moeIntermediateSize;
    const qkNorms = this.numHiddenLayers * 2 * this.headDim;
    return super.estimateParameters() - sparse * denseMlp + sparse * moe + qkNorms;
  }
}
