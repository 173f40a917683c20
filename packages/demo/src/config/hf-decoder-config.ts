/**
 * The decoder architectures these checkpoints can have: `LlamaForCausalLM`, `Qwen2ForCausalLM` (Llama with
 * biases on q/k/v only), `Qwen3ForCausalLM`, `Qwen3MoeForCausalLM` and `Glm4MoeLiteForCausalLM`
 * (GLM-4.7-Flash: latent attention, sigmoid-routed experts).
 */
export type Architecture = 'llama' | 'qwen2' | 'qwen3' | 'qwen3_moe' | 'glm4_moe_lite';

/** Every architecture, in a stable order. */
export const architectures: readonly Architecture[] = ['llama', 'qwen2', 'qwen3', 'qwen3_moe', 'glm4_moe_lite'];

/**
 * `rope_scaling` of a Hugging Face `config.json` (`rope_parameters` in
 * transformers 5), in its own snake_case. Only the fields the kit reads are
 * typed; others pass through.
 */
export interface HfRopeScaling {
  /** `default`, `linear`, `llama3` or `yarn` (the kit's reference supports these). */
  rope_type?: string;
  /** The older spelling of `rope_type`, still found in configs. */
  type?: string;
  /** How much longer the context is than the one trained on (`linear`, `llama3`). */
  factor?: number;
  /** Wavelengths longer than `original_max_position_embeddings / low_freq_factor` are divided by `factor` (`llama3`). */
  low_freq_factor?: number;
  /** Wavelengths shorter than `original_max_position_embeddings / high_freq_factor` are kept (`llama3`). */
  high_freq_factor?: number;
  /** The context length the model was first trained on (`llama3`, `yarn`). */
  original_max_position_embeddings?: number;
  /** Rotations over the original context above which a frequency is kept (`yarn`, default 32). */
  beta_fast?: number;
  /** Rotations below which a frequency is divided by the factor (`yarn`, default 1). */
  beta_slow?: number;
  /** DeepSeek-style yarn magnitude factors. */
  mscale?: number;
  mscale_all_dim?: number;
  /** The cos/sin scale of `yarn`, when not derived. */
  attention_factor?: number;
  /** Whether yarn rounds its ramp to whole dimensions (default true). */
  truncate?: boolean;
  /** The RoPE base, inside `rope_parameters` of transformers 5. */
  rope_theta?: number;
  /** Anything else the config holds. */
  [key: string]: unknown;
}

/**
 * A Hugging Face `config.json` of a Llama or Qwen3 decoder, field for field in
 * its own snake_case. Optional fields take the defaults of `LlamaConfig` and
 * `Qwen3Config` when read.
 */
export interface HfDecoderConfig {
  /** For example `["LlamaForCausalLM"]`. */
  architectures?: string[];
  /** `llama`, `qwen2`, `qwen3`, `qwen3_moe` or `glm4_moe_lite`. */
  model_type?: string;
  /** Rows of the embedding and of the LM head; at least the tokenizer's size. */
  vocab_size: number;
  /** Width of the residual stream. */
  hidden_size: number;
  /** Width of the MLP's gate and up projections. */
  intermediate_size: number;
  /** Number of decoder layers. */
  num_hidden_layers: number;
  /** Number of query heads. */
  num_attention_heads: number;
  /** Number of key/value heads (grouped-query attention); `num_attention_heads` when absent. */
  num_key_value_heads?: number | null;
  /** Width of one head; `hidden_size / num_attention_heads` for Llama and 128 for Qwen3 when absent. */
  head_dim?: number | null;
  /** The MLP activation; only `silu` is supported. */
  hidden_act?: string;
  /** Longest context the model supports. */
  max_position_embeddings?: number;
  /** Epsilon of every RMSNorm (default 1e-6). */
  rms_norm_eps?: number;
  /** RoPE base (default 10000). */
  rope_theta?: number;
  /** RoPE frequency scaling, or `null` for none. */
  rope_scaling?: HfRopeScaling | null;
  /** transformers 5 spelling of `rope_theta` + `rope_scaling`; used when present. */
  rope_parameters?: HfRopeScaling | null;
  /** Whether q/k/v/o projections have biases (default false). Qwen2 has no such key: its q/k/v always have biases, o_proj none. */
  attention_bias?: boolean;
  /** Whether the MLP projections have biases (Llama only, default false). */
  mlp_bias?: boolean;
  /** Whether the LM head reuses `model.embed_tokens.weight` (default false). */
  tie_word_embeddings?: boolean;
  /** Qwen2/Qwen3 sliding-window attention; must be false (the reference attends to everything). */
  use_sliding_window?: boolean;
  /** Qwen2/Qwen3: the window of sliding layers; unused while `use_sliding_window` is false. */
  sliding_window?: number | null;
  /** Qwen2/Qwen3: with `use_sliding_window`, layers from this index on slide. */
  max_window_layers?: number;
  /** Qwen3-MoE: experts per sparse layer. */
  num_experts?: number;
  /** Qwen3-MoE: experts each token is routed to. */
  num_experts_per_tok?: number;
  /** Qwen3-MoE: width of one expert. */
  moe_intermediate_size?: number;
  /** Qwen3-MoE: divide the top-k routing weights by their sum. */
  norm_topk_prob?: boolean;
  /** Qwen3-MoE: every `decoder_sparse_step`-th layer is sparse. */
  decoder_sparse_step?: number;
  /** Qwen3-MoE: layers that keep a dense MLP. */
  mlp_only_layers?: number[];
  /** GLM-4.7-Flash: rank of the query compression (`q_a_proj`), or `null` for a direct `q_proj`. */
  q_lora_rank?: number | null;
  /** GLM-4.7-Flash: width of the cached latent (`kv_a_proj_with_mqa` minus the rotary key). */
  kv_lora_rank?: number;
  /** GLM-4.7-Flash: non-rotary dims of each query/key head. */
  qk_nope_head_dim?: number;
  /** GLM-4.7-Flash: rotary dims of each query head and of the one shared key. */
  qk_rope_head_dim?: number;
  /** GLM-4.7-Flash: width of each value head. */
  v_head_dim?: number;
  /** GLM-4.7-Flash: the rotary dims come in interleaved pairs (x0, x1), (x2, x3), ... */
  rope_interleave?: boolean;
  /** GLM-4.7-Flash: routed experts per sparse layer. */
  n_routed_experts?: number;
  /** GLM-4.7-Flash: shared experts (added without a gate), as one MLP of `n_shared_experts × moe_intermediate_size`. */
  n_shared_experts?: number;
  /** GLM-4.7-Flash: routing weights are multiplied by this. */
  routed_scaling_factor?: number;
  /** GLM-4.7-Flash: expert selection method; only `noaux_tc`. */
  topk_method?: string;
  /** GLM-4.7-Flash: expert groups (only 1 is supported). */
  n_group?: number;
  /** GLM-4.7-Flash: groups chosen per token. */
  topk_group?: number;
  /** GLM-4.7-Flash: the first `first_k_dense_replace` layers are dense. */
  first_k_dense_replace?: number;
  /** GLM-4.7-Flash: `dense`/`sparse` per layer (transformers 5; wins over `first_k_dense_replace`). */
  mlp_layer_types?: string[];
  /** GLM-4.7-Flash: multi-token-prediction layers stored after the last layer (ignored by inference). */
  num_nextn_predict_layers?: number;
  /** Id of the beginning-of-sequence token. */
  bos_token_id?: number | null;
  /** Id (or ids) of the end-of-sequence token. */
  eos_token_id?: number | number[] | null;
  /** Id of the padding token. */
  pad_token_id?: number | null;
  /** Stored weight dtype: `float32` or `bfloat16`. */
  torch_dtype?: string;
  /** Anything else the config holds. */
  [key: string]: unknown;
}
