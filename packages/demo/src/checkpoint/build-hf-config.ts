import { ConfigError } from '@pio/core';
import type { Architecture, HfDecoderConfig } from '../config/hf-decoder-config.js';
import { configNameOf, resolveDecoderShape } from '../config/resolve-decoder-shape.js';
import { type TokenizerName, tokenizerInfo } from '../tokenizer/tokenizer-info.js';

/** How weights are stored: `torch_dtype` of the config, F32 or BF16 in the safetensors files. */
export type CheckpointDtype = 'float32' | 'bfloat16';

/** The `transformers_version` written into generated configs. */
export const transformersVersion = '4.51.3';

/**
 * A complete Hugging Face `config.json` for a tiny model: every field
 * `LlamaConfig` / `Qwen3Config` writes, with small defaults (hidden 64,
 * intermediate 128, 2 layers, 4 query heads, 2 key/value heads, head_dim 16,
 * RoPE base 10000), the tokenizer's vocabulary size and special ids, and
 * `overrides` on top. `head_dim` defaults to `hidden_size / num_attention_heads`
 * after overrides; Qwen2 and Qwen3 tie embeddings by default, Llama does
 * not. A Qwen2 config is Qwen2.5-0.5B's kind: no `attention_bias` key, rope
 * base 1e6, `use_sliding_window` false.
 *
 * @param architecture - `llama`, `qwen2`, `qwen3`, `qwen3_moe` or `glm4_moe_lite`.
 * @param tokenizer - Supplies `vocab_size`, `bos_token_id` and `eos_token_id`.
 * @param dtype - Written as `torch_dtype`.
 * @param overrides - Any fields to change (snake_case, as in `config.json`).
 * @returns The config with its keys sorted, as `save_pretrained` writes them.
 * @throws ConfigError when the result is invalid, or `vocab_size` is smaller
 *   than the tokenizer's vocabulary.
 */
export function buildHfConfig(
  architecture: Architecture,
  tokenizer: TokenizerName,
  dtype: CheckpointDtype,
  overrides: Partial<HfDecoderConfig> = {},
): HfDecoderConfig {
  const info = tokenizerInfo[tokenizer];
  const common = {
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: info.bosTokenId,
    eos_token_id: info.eosTokenId,
    hidden_act: 'silu',
    hidden_size: 64,
    initializer_range: 0.02,
    intermediate_size: 128,
    max_position_embeddings: 2048,
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 2,
    rope_scaling: null,
    rope_theta: 10000.0,
    transformers_version: transformersVersion,
    use_cache: true,
    vocab_size: info.modelVocabSize,
  };
  const specific: Record<string, unknown> =
    architecture === 'glm4_moe_lite'
      ? {
          // GLM-4.7-Flash's fields at a toy size: layer 0 dense, 8 experts + 1 shared, top-2, one decoy MTP layer.
          architectures: ['Glm4MoeLiteForCausalLM'],
          model_type: 'glm4_moe_lite',
          first_k_dense_replace: 1,
          kv_lora_rank: 32,
          moe_intermediate_size: 32,
          n_group: 1,
          n_routed_experts: 8,
          n_shared_experts: 1,
          norm_topk_prob: true,
          num_experts_per_tok: 2,
          num_hidden_layers: 3,
          num_key_value_heads: overrides.num_attention_heads ?? common.num_attention_heads,
          num_nextn_predict_layers: 1,
          q_lora_rank: 32,
          qk_nope_head_dim: 16,
          qk_rope_head_dim: 16,
          rms_norm_eps: 1e-5,
          rope_interleave: true,
          routed_scaling_factor: 1.8,
          tie_word_embeddings: false,
          topk_group: 1,
          topk_method: 'noaux_tc',
          v_head_dim: 24,
        }
      : architecture === 'qwen3_moe'
        ? {
            // Qwen3-30B-A3B's fields at a toy size: 8 experts, top-2, an untied head.
            architectures: ['Qwen3MoeForCausalLM'],
            model_type: 'qwen3_moe',
            decoder_sparse_step: 1,
            max_window_layers: overrides.num_hidden_layers ?? common.num_hidden_layers,
            mlp_only_layers: [],
            moe_intermediate_size: 48,
            norm_topk_prob: true,
            num_experts: 8,
            num_experts_per_tok: 2,
            output_router_logits: false,
            rms_norm_eps: 1e-6,
            router_aux_loss_coef: 0.001,
            sliding_window: null,
            tie_word_embeddings: false,
            use_sliding_window: false,
          }
        : architecture === 'qwen2'
          ? {
              // Qwen2.5-0.5B's fields: no attention_bias key (q/k/v always have biases), rope base 1e6, tied,
              // a sliding window that use_sliding_window turns off.
              architectures: ['Qwen2ForCausalLM'],
              model_type: 'qwen2',
              max_window_layers: overrides.num_hidden_layers ?? common.num_hidden_layers,
              rms_norm_eps: 1e-6,
              rope_theta: 1000000.0,
              sliding_window: overrides.max_position_embeddings ?? common.max_position_embeddings,
              tie_word_embeddings: true,
              use_sliding_window: false,
            }
          : architecture === 'qwen3'
            ? {
                architectures: ['Qwen3ForCausalLM'],
                model_type: 'qwen3',
                max_window_layers: overrides.num_hidden_layers ?? common.num_hidden_layers,
                rms_norm_eps: 1e-6,
                sliding_window: null,
                tie_word_embeddings: true,
                use_sliding_window: false,
              }
            : {
                architectures: ['LlamaForCausalLM'],
                model_type: 'llama',
                mlp_bias: false,
                pretraining_tp: 1,
                rms_norm_eps: 1e-5,
                tie_word_embeddings: false,
              };
  const merged: HfDecoderConfig = { ...common, ...specific, ...overrides, torch_dtype: dtype };
  if (architecture === 'qwen2' && overrides.attention_bias === undefined) delete merged.attention_bias;
  merged.head_dim =
    architecture === 'glm4_moe_lite'
      ? merged.qk_rope_head_dim
      : (overrides.head_dim ?? Math.floor(merged.hidden_size / merged.num_attention_heads));
  resolveDecoderShape(architecture, merged);
  if (merged.vocab_size < info.tokenizerVocabSize) {
    throw new ConfigError({
      configName: configNameOf(architecture),
      issues: [
        {
          field: 'vocabSize',
          value: merged.vocab_size,
          rule: `must be at least ${info.tokenizerVocabSize}, the size of the ${tokenizer} tokenizer`,
        },
      ],
    });
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as HfDecoderConfig;
}
