import { type ConfigSchema, DecoderConfig, defineDecoderConfigSchema } from '@pio/core';
import { z } from 'zod';

const count = (what: string) => z.number({ error: `must be ${what}` }).int({ error: `must be ${what}` });
const positive = () => count('a positive integer').positive({ error: 'must be a positive integer' });

const schema = defineDecoderConfigSchema(
  {
    attentionBias: z.boolean({ error: 'must be true or false' }).default(false),
    qLoraRank: positive().nullable().default(768),
    kvLoraRank: positive().nullable().default(512),
    qkNopeHeadDim: positive().default(192),
    qkRopeHeadDim: positive().default(64),
    vHeadDim: positive().default(256),
    ropeInterleave: z.boolean({ error: 'must be true or false' }).default(true),
    numRoutedExperts: positive().default(64),
    numSharedExperts: count('a non-negative integer')
      .nonnegative({ error: 'must be a non-negative integer' })
      .default(1),
    numExpertsPerTok: positive().default(4),
    moeIntermediateSize: positive().default(1536),
    normTopkProb: z.boolean({ error: 'must be true or false' }).default(true),
    routedScalingFactor: z.number({ error: 'must be a number' }).positive({ error: 'must be positive' }).default(1.8),
    topkMethod: z.string({ error: 'must be a string' }).default('noaux_tc'),
    numGroups: positive().default(1),
    topkGroup: positive().default(1),
    firstKDenseReplace: count('a non-negative integer')
      .nonnegative({ error: 'must be a non-negative integer' })
      .default(1),
    mlpLayerTypes: z
      .array(z.enum(['dense', 'sparse'], { error: 'must be "dense" or "sparse"' }))
      .nullable()
      .default(null),
    numNextnPredictLayers: count('a non-negative integer')
      .nonnegative({ error: 'must be a non-negative integer' })
      .default(0),
  },
  (config, ctx) => {
    const issue = (path: string, input: unknown, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], input, message });
    if (config.kvLoraRank === null) {
      issue(
        'kvLoraRank',
        null,
        'is missing: latent attention needs the width of its cached latent (GLM-4.7-Flash: 512)',
      );
    }
    if (config.qkRopeHeadDim % 2 !== 0) {
      issue('qkRopeHeadDim', config.qkRopeHeadDim, 'must be even: rotary embeddings rotate pairs of dims');
    }
    if (config.numExpertsPerTok > config.numRoutedExperts) {
      issue(
        'numExpertsPerTok',
        config.numExpertsPerTok,
        `must be at most numRoutedExperts (${config.numRoutedExperts}): a token cannot pick more experts than a layer has`,
      );
    }
    if (config.topkMethod !== 'noaux_tc') {
      issue(
        'topkMethod',
        config.topkMethod,
        'must be "noaux_tc" (sigmoid scores, top-k on score + e_score_correction_bias)',
      );
    }
    if (config.numRoutedExperts % config.numGroups !== 0) {
      issue('numGroups', config.numGroups, `must divide numRoutedExperts (${config.numRoutedExperts})`);
    } else if (config.numGroups > 1 && config.numRoutedExperts / config.numGroups < 2) {
      issue(
        'numGroups',
        config.numGroups,
        `leaves ${config.numRoutedExperts / config.numGroups} expert per group: a group is scored by its two best experts`,
      );
    } else if (config.topkGroup > config.numGroups) {
      issue('topkGroup', config.topkGroup, `must be at most numGroups (${config.numGroups})`);
    } else if (
      config.numGroups > 1 &&
      config.topkGroup * (config.numRoutedExperts / config.numGroups) < config.numExpertsPerTok
    ) {
      issue(
        'topkGroup',
        config.topkGroup,
        `opens ${config.topkGroup} group(s) of ${config.numRoutedExperts / config.numGroups} experts, fewer than num_experts_per_tok (${config.numExpertsPerTok})`,
      );
    }
    if (config.mlpLayerTypes && config.mlpLayerTypes.length !== config.numHiddenLayers) {
      issue(
        'mlpLayerTypes',
        config.mlpLayerTypes,
        `lists ${config.mlpLayerTypes.length} layers, but the model has ${config.numHiddenLayers}`,
      );
    }
  },
);

/**
 * The config of GLM-4.7-Flash (`Glm4MoeLiteForCausalLM`, `model_type:
 * glm4_moe_lite`): DeepSeek-V3-style multi-head latent attention (queries
 * through a rank-`q_lora_rank` bottleneck or a direct `q_proj`; keys and
 * values from one `kv_lora_rank` latent plus one shared rotary key) and
 * sigmoid-routed experts with a shared expert in every layer from
 * `first_k_dense_replace` on (or as `mlp_layer_types` says). `head_dim` is
 * the rotary width, as transformers maps it. Defaults are GLM-4.7-Flash's.
 */
export class Glm4MoeLiteConfig extends DecoderConfig {
  static override readonly schema: ConfigSchema = schema as unknown as ConfigSchema;
  static override readonly huggingFaceKeys = {
    ...DecoderConfig.huggingFaceKeys,
    attentionBias: 'attention_bias',
    qLoraRank: 'q_lora_rank',
    kvLoraRank: 'kv_lora_rank',
    qkNopeHeadDim: 'qk_nope_head_dim',
    qkRopeHeadDim: 'qk_rope_head_dim',
    vHeadDim: 'v_head_dim',
    ropeInterleave: 'rope_interleave',
    numRoutedExperts: 'n_routed_experts',
    numSharedExperts: 'n_shared_experts',
    numExpertsPerTok: 'num_experts_per_tok',
    moeIntermediateSize: 'moe_intermediate_size',
    normTopkProb: 'norm_topk_prob',
    routedScalingFactor: 'routed_scaling_factor',
    topkMethod: 'topk_method',
    numGroups: 'n_group',
    topkGroup: 'topk_group',
    firstKDenseReplace: 'first_k_dense_replace',
    mlpLayerTypes: 'mlp_layer_types',
    numNextnPredictLayers: 'num_nextn_predict_layers',
  };

  /** `head_dim` is the rotary width (`qk_rope_head_dim`), as transformers' attribute map has it. */
  static override mapHuggingFace(json: Record<string, unknown>): Record<string, unknown> {
    // biome-ignore lint/complexity/noThisInStatic: super keeps the subclass as `this`, so its huggingFaceKeys map the fields
    const fields = super.mapHuggingFace(json);
    // A config.json without kv_lora_rank is refused (the default is for configs built in code).
    if (json.kv_lora_rank === undefined) fields.kvLoraRank = null;
    if (json.qk_rope_head_dim !== undefined) fields.headDim = json.qk_rope_head_dim;
    else if (fields.headDim === undefined) fields.headDim = 64;
    return fields;
  }

  /** o_proj, q_a_proj and kv_a_proj_with_mqa have biases (`attention_bias`, false in released checkpoints). */
  declare readonly attentionBias: boolean;
  /** Rank of the query bottleneck `q_a_proj`, or null for a direct `q_proj`. */
  declare readonly qLoraRank: number | null;
  /** Width of the cached latent (`kv_lora_rank`; never null in a valid config). */
  declare readonly kvLoraRank: number;
  /** Non-rotary dims per query/key head. */
  declare readonly qkNopeHeadDim: number;
  /** Rotary dims per query head and of the one shared key. */
  declare readonly qkRopeHeadDim: number;
  /** Width of a value head. */
  declare readonly vHeadDim: number;
  /** The rotary dims come in interleaved pairs (`rope_interleave`). */
  declare readonly ropeInterleave: boolean;
  /** Routed experts per sparse layer (`n_routed_experts`). */
  declare readonly numRoutedExperts: number;
  /** Shared experts, one MLP of `n_shared_experts × moe_intermediate_size`, added without a gate. */
  declare readonly numSharedExperts: number;
  /** Experts per token. */
  declare readonly numExpertsPerTok: number;
  /** Width of one expert. */
  declare readonly moeIntermediateSize: number;
  /** Divide the chosen sigmoid scores by their sum. */
  declare readonly normTopkProb: boolean;
  /** Routing weights are multiplied by this. */
  declare readonly routedScalingFactor: number;
  /** Only `noaux_tc`. */
  declare readonly topkMethod: string;
  /** Expert groups (`n_group`). */
  declare readonly numGroups: number;
  /** Groups kept per token (`topk_group`). */
  declare readonly topkGroup: number;
  /** Layers before this one are dense. */
  declare readonly firstKDenseReplace: number;
  /** `dense`/`sparse` per layer, when the config lists them (wins over `firstKDenseReplace`). */
  declare readonly mlpLayerTypes: readonly ('dense' | 'sparse')[] | null;
  /** Multi-token-prediction layers stored after the last layer; skipped at load. */
  declare readonly numNextnPredictLayers: number;

  /** True when `layer` is a mixture of experts. */
  isSparseLayer(layer: number): boolean {
    return this.mlpLayerTypes ? this.mlpLayerTypes[layer] === 'sparse' : layer >= this.firstKDenseReplace;
  }

  /** How many layers are sparse. */
  get sparseLayerCount(): number {
    let sparse = 0;
    for (let layer = 0; layer < this.numHiddenLayers; layer++) if (this.isSparseLayer(layer)) sparse++;
    return sparse;
  }

  /** Floats per token per layer in the cache: the normed latent and the rotated shared key. */
  get latentCacheRowSize(): number {
    return this.kvLoraRank + this.qkRopeHeadDim;
  }

  /** Bytes of the compressed cache for `tokens` tokens at fp32: one latent row per layer per token, no values. */
  override kvCacheBytes(tokens: number = this.maxContextLength): number {
    return this.numHiddenLayers * tokens * this.latentCacheRowSize * 4;
  }

  /** Every parameter: embeddings, latent attention, dense MLPs, routers, all routed and shared experts, head (MTP layer left out). */
  override estimateParameters(): number {
    return this.countParameters(this.numRoutedExperts);
  }

  /** Parameters one token reads: the chosen `numExpertsPerTok` routed experts and the shared one. */
  override activeParameters(): number {
    return this.countParameters(this.numExpertsPerTok);
  }

  private countParameters(expertsPerLayer: number): number {
    const h = this.hiddenSize;
    const heads = this.numAttentionHeads;
    const qkHead = this.qkNopeHeadDim + this.qkRopeHeadDim;
    const query =
      this.qLoraRank === null
        ? h * heads * qkHead
        : h * this.qLoraRank + this.qLoraRank + this.qLoraRank * heads * qkHead;
    const attention =
      query +
      h * this.latentCacheRowSize +
      this.kvLoraRank +
      this.kvLoraRank * heads * (this.qkNopeHeadDim + this.vHeadDim) +
      heads * this.vHeadDim * h;
    const expert = 3 * h * this.moeIntermediateSize;
    const sparse = this.sparseLayerCount;
    const dense = this.numHiddenLayers - sparse;
    const moe = this.numRoutedExperts * (h + 1) + (expertsPerLayer + this.numSharedExperts) * expert;
    const layers = this.numHiddenLayers * (attention + 2 * h) + dense * 3 * h * this.intermediateSize + sparse * moe;
    return this.vocabSize * h * (this.tieWordEmbeddings ? 1 : 2) + layers + h;
  }
}
