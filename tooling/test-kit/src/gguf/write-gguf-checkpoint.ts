import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HfDecoderConfig } from '@pio/demo';
import {
  type GgmlTypeName,
  type GgufTensorToWrite,
  type GgufValue,
  gguf,
  quantizeQ4_0,
  quantizeQ4_K,
  quantizeQ6_K,
  quantizeQ8_0,
  writeGgufFile,
} from '@pio/gguf';
import { float32ToFloat16, openCheckpointWeights } from '@pio/safetensors';
import { TestKitError } from '../errors/test-kit-error.js';
import { ggufTokenizerMetadata } from './gguf-tokenizer-metadata.js';
import { permuteRotaryRows } from './permute-rotary-rows.js';
import { spmTestVocabulary } from './spm-test-vocabulary.js';

/**
 * How the matrices of a GGUF written by {@link writeGgufCheckpoint} are
 * stored; norms stay F32. `Q4_K` and `Q6_K` put every matrix in that K-quant;
 * `Q4_K_M` mixes them like llama.cpp's Q4_K_M (Q6_K for `attn_v`, `ffn_down`
 * and `output`, Q4_K for the rest). A matrix whose rows are not whole
 * 256-weight super-blocks falls back to Q8_0.
 */
export type GgufWeightType = 'F32' | 'F16' | 'Q8_0' | 'Q4_0' | 'Q4_K' | 'Q6_K' | 'Q4_K_M';

/** llama.cpp's `general.file_type` (`llama_ftype`) for each {@link GgufWeightType}. */
const fileTypes: Record<GgufWeightType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7, Q4_K: 14, Q4_K_M: 15, Q6_K: 18 };

/** The storage type of one matrix under `weightType`. */
function matrixType(weightType: GgufWeightType, name: string, inner: number): GgmlTypeName {
  if (weightType === 'Q4_K' || weightType === 'Q6_K' || weightType === 'Q4_K_M') {
    if (inner % 256 !== 0) return 'Q8_0';
    if (weightType !== 'Q4_K_M') return weightType;
    return /attn_v|ffn_down|^output\.weight$/.test(name) ? 'Q6_K' : 'Q4_K';
  }
  return weightType;
}

/** Options of {@link writeGgufCheckpoint}. */
export interface GgufCheckpointOptions {
  /**
   * The tokenizer to embed: `hf` (default) converts the folder's byte-level
   * BPE tokenizer.json (`tokenizer.ggml.model` gpt2); `spm` embeds the kit's
   * SentencePiece-style vocabulary ({@link spmTestVocabulary}, `llama` kind),
   * padded with unused `[PAD<id>]` pieces up to the model's `vocab_size`.
   */
  tokenizer?: 'hf' | 'spm';
}

/** What {@link writeGgufCheckpoint} wrote. */
export interface GgufCheckpoint {
  /** The `.gguf` file. */
  file: string;
  /** Bytes in it. */
  bytes: number;
  /** `general.architecture`. */
  architecture: 'llama' | 'qwen2' | 'qwen3' | 'qwen3moe';
  /** Tensors written. */
  tensors: number;
}

/** The `config.json` read: {@link HfDecoderConfig}, with the context length and RMSNorm epsilon it always writes present. */
type HfConfig = HfDecoderConfig & Required<Pick<HfDecoderConfig, 'max_position_embeddings' | 'rms_norm_eps'>>;

/** `general.architecture` for each Hugging Face architecture the writer covers. */
const ggufArchitectures: Record<string, GgufCheckpoint['architecture']> = {
  LlamaForCausalLM: 'llama',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
  Qwen3MoeForCausalLM: 'qwen3moe',
};

/**
 * What llama.cpp's `qwen3moe` cannot express of a Qwen3-MoE config: its graph
 * makes every layer sparse and always divides the chosen routing weights by
 * their sum (`build_moe_ffn` with `norm_w`), and no metadata key says otherwise.
 */
function qwen3MoeMismatch(config: HfConfig): string | undefined {
  if ((config.mlp_only_layers ?? []).length > 0) return `mlp_only_layers [${config.mlp_only_layers!.join(', ')}]`;
  if ((config.decoder_sparse_step ?? 1) !== 1) return `decoder_sparse_step ${config.decoder_sparse_step}`;
  if (config.norm_topk_prob === false) return 'norm_topk_prob false';
  return undefined;
}

function encode(values: Float32Array, type: GgmlTypeName): Uint8Array {
  switch (type) {
    case 'F32':
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case 'F16': {
      const half = float32ToFloat16(values);
      return new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
    }
    case 'Q8_0':
      return quantizeQ8_0(values);
    case 'Q4_0':
      return quantizeQ4_0(values);
    case 'Q4_K':
      return quantizeQ4_K(values);
    case 'Q6_K':
      return quantizeQ6_K(values);
    default:
      throw new TypeError(`no encoder for ${type}`);
  }
}

/**
 * Writes a Hugging Face checkpoint folder (a `LlamaForCausalLM`,
 * `Qwen2ForCausalLM`, `Qwen3ForCausalLM` or `Qwen3MoeForCausalLM` with a
 * byte-level BPE tokenizer.json, as the kit writes them) as one GGUF file
 * that llama.cpp loads: llama.cpp's tensor names and metadata keys, the q/k
 * rows of Llama (and only Llama: `convert_hf_to_gguf.py` permutes no other
 * architecture) permuted to llama.cpp's interleaved rotary layout, biases
 * (Qwen2's on q/k/v, `blk.N.attn_{q,k,v}.bias`) as F32 vectors, matrices in
 * `weightType` (Q4_0/Q8_0 by ggml's reference quantizer, Q4_K/Q6_K by
 * `@pio/gguf`'s, the embedding too: like `llama-quantize --pure`), norms F32.
 * Qwen3-MoE (`qwen3moe`, as `convert_hf_to_gguf.py` writes it): each layer's
 * experts stacked into `blk.N.ffn_{gate,up,down}_exps.weight` of shape
 * `[experts, out, in]` outermost first (ggml's `{in, out, experts}`), the
 * router `blk.N.ffn_gate_inp.weight` `[experts, hidden]` kept F32, and
 * `qwen3moe.expert_count`, `expert_used_count`, `expert_feed_forward_length`.
 *
 * Streams tensor by tensor: memory holds one tensor in float32 and its
 * encoding; for a stack of experts, one expert in float32 and the stack's encoding.
 *
 * @throws TestKitError for an architecture, rope scaling or tokenizer the writer does not cover, or a Qwen3-MoE config llama.cpp's `qwen3moe` cannot express (dense layers, `norm_topk_prob` false).
 */
export async function writeGgufCheckpoint(
  checkpointDir: string,
  file: string,
  weightType: GgufWeightType,
  options: GgufCheckpointOptions = {},
): Promise<GgufCheckpoint> {
  const config = JSON.parse(await readFile(join(checkpointDir, 'config.json'), 'utf8')) as HfConfig;
  const tokenizerJson = JSON.parse(await readFile(join(checkpointDir, 'tokenizer.json'), 'utf8'));
  const tokenizerConfig = JSON.parse(
    await readFile(join(checkpointDir, 'tokenizer_config.json'), 'utf8').catch(() => '{}'),
  ) as {
    add_bos_token?: boolean;
    chat_template?: unknown;
  };
  const hfArch = config.architectures?.[0] ?? '';
  const arch = ggufArchitectures[hfArch];
  if (!arch) {
    throw new TestKitError({
      where: 'writeGgufCheckpoint',
      message: `it writes Llama, Qwen2, Qwen3 and Qwen3-MoE checkpoints, not ${hfArch || 'an unnamed architecture'}`,
      hint: 'Pass a folder written by writeRandomCheckpoint or prepareBenchCheckpoint for llama, qwen2, qwen3 or qwen3_moe.',
    });
  }
  const mismatch = arch === 'qwen3moe' ? qwen3MoeMismatch(config) : undefined;
  if (mismatch) {
    throw new TestKitError({
      where: 'writeGgufCheckpoint',
      message: `llama.cpp's qwen3moe makes every layer sparse and renormalizes the top-k routing weights, so ${mismatch} cannot be written`,
      hint: 'Write the checkpoint with every layer sparse (mlp_only_layers [], decoder_sparse_step 1) and norm_topk_prob true, as Qwen3-MoE releases are.',
    });
  }
  const scaling = config.rope_scaling;
  const scalingType = scaling?.rope_type ?? scaling?.type;
  const plainYarn =
    scalingType === 'yarn' &&
    (scaling?.beta_fast ?? 32) === 32 &&
    (scaling?.beta_slow ?? 1) === 1 &&
    scaling?.mscale === undefined &&
    scaling?.mscale_all_dim === undefined &&
    scaling?.attention_factor === undefined;
  if (scaling && scalingType !== 'linear' && !plainYarn) {
    throw new TestKitError({
      where: 'writeGgufCheckpoint',
      message: `rope_scaling of type ${scalingType} is not written to GGUF (llama.cpp needs a rope_freqs tensor for llama3 scaling; yarn is written with its default betas and no mscale only)`,
      hint: 'Write the checkpoint without rope_scaling, with linear scaling, or with plain yarn.',
    });
  }
  const heads = config.num_attention_heads;
  const kvHeads = config.num_key_value_heads ?? heads;
  const headDim = config.head_dim ?? config.hidden_size / heads;
  const eos = Array.isArray(config.eos_token_id) ? config.eos_token_id[0] : config.eos_token_id;
  const key = (name: string) => `${arch}.${name}`;
  const metadata: Record<string, GgufValue> = {
    'general.architecture': gguf.string(arch),
    'general.name': gguf.string('pio-test-kit'),
    'general.file_type': gguf.uint32(fileTypes[weightType]),
    [key('context_length')]: gguf.uint32(config.max_position_embeddings),
    [key('embedding_length')]: gguf.uint32(config.hidden_size),
    [key('block_count')]: gguf.uint32(config.num_hidden_layers),
    [key('feed_forward_length')]: gguf.uint32(config.intermediate_size),
    [key('attention.head_count')]: gguf.uint32(heads),
    [key('attention.head_count_kv')]: gguf.uint32(kvHeads),
    [key('attention.key_length')]: gguf.uint32(headDim),
    [key('attention.value_length')]: gguf.uint32(headDim),
    [key('rope.dimension_count')]: gguf.uint32(headDim),
    [key('rope.freq_base')]: gguf.float32(config.rope_theta ?? 10000),
    [key('attention.layer_norm_rms_epsilon')]: gguf.float32(config.rms_norm_eps),
    [key('vocab_size')]: gguf.uint32(config.vocab_size),
    ...(arch === 'qwen3moe'
      ? {
          [key('expert_count')]: gguf.uint32(config.num_experts ?? 0),
          [key('expert_used_count')]: gguf.uint32(config.num_experts_per_tok ?? 0),
          [key('expert_feed_forward_length')]: gguf.uint32(config.moe_intermediate_size ?? 0),
        }
      : {}),
    ...(scaling
      ? {
          [key('rope.scaling.type')]: gguf.string(plainYarn ? 'yarn' : 'linear'),
          [key('rope.scaling.factor')]: gguf.float32(scaling.factor ?? 1),
          ...(plainYarn && scaling.original_max_position_embeddings !== undefined
            ? { [key('rope.scaling.original_context_length')]: gguf.uint32(scaling.original_max_position_embeddings) }
            : {}),
        }
      : {}),
    ...(options.tokenizer === 'spm'
      ? await spmMetadata(config.vocab_size)
      : ggufTokenizerMetadata(tokenizerJson, config.vocab_size, {
          bosTokenId: config.bos_token_id ?? null,
          eosTokenId: eos ?? null,
          padTokenId: config.pad_token_id ?? null,
          addBosToken: tokenizerConfig.add_bos_token ?? false,
          ...(typeof tokenizerConfig.chat_template === 'string' ? { chatTemplate: tokenizerConfig.chat_template } : {}),
        })),
  };

  const weights = await openCheckpointWeights(checkpointDir);
  try {
    const tensors: GgufTensorToWrite[] = [];
    const track = async (
      ggufName: string,
      hfName: string,
      kind: 'matrix' | 'vector' | 'router',
      transform?: (values: Float32Array) => Float32Array,
    ) => {
      if (!weights.has(hfName)) return;
      const shape = (await weights.info(hfName)).shape;
      const type: GgmlTypeName = kind !== 'matrix' ? 'F32' : matrixType(weightType, ggufName, shape.at(-1) ?? 1);
      tensors.push({
        name: ggufName,
        type,
        shape,
        data: async () => {
          const values = await weights.read(hfName);
          return encode(transform ? transform(values) : values, type);
        },
      });
    };
    // One expert at a time: each is encoded alone (blocks never cross rows, so the stack's encoding is the
    // experts' encodings one after another), and only the stack's encoded bytes are held.
    const trackExperts = async (ggufName: string, hfName: (expert: number) => string) => {
      const experts = config.num_experts ?? 0;
      const shape = [experts, ...(await weights.info(hfName(0))).shape];
      const type = matrixType(weightType, ggufName, shape.at(-1) ?? 1);
      tensors.push({
        name: ggufName,
        type,
        shape,
        data: async () => {
          const parts: Uint8Array[] = [];
          for (let expert = 0; expert < experts; expert++) parts.push(encode(await weights.read(hfName(expert)), type));
          const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
          let offset = 0;
          for (const part of parts) {
            out.set(part, offset);
            offset += part.length;
          }
          return out;
        },
      });
    };
    const permute = (rows: number) => (values: Float32Array) =>
      arch === 'llama' ? permuteRotaryRows(values, rows, headDim, values.length / (rows * headDim)) : values;

    await track('token_embd.weight', 'model.embed_tokens.weight', 'matrix');
    for (let layer = 0; layer < config.num_hidden_layers; layer++) {
      const hf = `model.layers.${layer}`;
      const blk = `blk.${layer}`;
      await track(`${blk}.attn_norm.weight`, `${hf}.input_layernorm.weight`, 'vector');
      await track(`${blk}.attn_q.weight`, `${hf}.self_attn.q_proj.weight`, 'matrix', permute(heads));
      await track(`${blk}.attn_k.weight`, `${hf}.self_attn.k_proj.weight`, 'matrix', permute(kvHeads));
      await track(`${blk}.attn_v.weight`, `${hf}.self_attn.v_proj.weight`, 'matrix');
      await track(`${blk}.attn_q.bias`, `${hf}.self_attn.q_proj.bias`, 'vector', permute(heads));
      await track(`${blk}.attn_k.bias`, `${hf}.self_attn.k_proj.bias`, 'vector', permute(kvHeads));
      await track(`${blk}.attn_v.bias`, `${hf}.self_attn.v_proj.bias`, 'vector');
      await track(`${blk}.attn_q_norm.weight`, `${hf}.self_attn.q_norm.weight`, 'vector');
      await track(`${blk}.attn_k_norm.weight`, `${hf}.self_attn.k_norm.weight`, 'vector');
      await track(`${blk}.attn_output.weight`, `${hf}.self_attn.o_proj.weight`, 'matrix');
      // Llama's attention_bias has one; Qwen2's o_proj has none.
      await track(`${blk}.attn_output.bias`, `${hf}.self_attn.o_proj.bias`, 'vector');
      await track(`${blk}.ffn_norm.weight`, `${hf}.post_attention_layernorm.weight`, 'vector');
      await track(`${blk}.ffn_gate.weight`, `${hf}.mlp.gate_proj.weight`, 'matrix');
      await track(`${blk}.ffn_up.weight`, `${hf}.mlp.up_proj.weight`, 'matrix');
      await track(`${blk}.ffn_down.weight`, `${hf}.mlp.down_proj.weight`, 'matrix');
      if (arch === 'qwen3moe') {
        // llama.cpp keeps the router in F32 whatever the file type (llama-quantize skips ffn_gate_inp).
        await track(`${blk}.ffn_gate_inp.weight`, `${hf}.mlp.gate.weight`, 'router');
        for (const projection of ['gate', 'up', 'down'] as const) {
          await trackExperts(
            `${blk}.ffn_${projection}_exps.weight`,
            (expert) => `${hf}.mlp.experts.${expert}.${projection}_proj.weight`,
          );
        }
      }
    }
    await track('output_norm.weight', 'model.norm.weight', 'vector');
    if (!config.tie_word_embeddings) await track('output.weight', 'lm_head.weight', 'matrix');
    const written = await writeGgufFile(file, { metadata, tensors });
    return { file, bytes: written.bytes, architecture: arch, tensors: tensors.length };
  } finally {
    await weights.close();
  }
}

/** The kit's SentencePiece-style tokenizer metadata padded to `vocabSize` pieces. */
async function spmMetadata(vocabSize: number): Promise<Record<string, GgufValue>> {
  const vocabulary = await spmTestVocabulary();
  const { tokens, scores, types } = vocabulary;
  if (vocabSize < tokens.length) {
    throw new TestKitError({
      where: 'writeGgufCheckpoint',
      message: `the SentencePiece test vocabulary has ${tokens.length} pieces, more than vocab_size ${vocabSize}`,
      hint: `Write the checkpoint with config.vocab_size of at least ${tokens.length}.`,
    });
  }
  const padded = [...tokens];
  for (let id = tokens.length; id < vocabSize; id++) padded.push(`[PAD${id}]`);
  return {
    ...vocabulary.metadata,
    'tokenizer.ggml.tokens': gguf.strings(padded),
    'tokenizer.ggml.scores': gguf.float32s([...scores, ...new Array(vocabSize - tokens.length).fill(0)]),
    'tokenizer.ggml.token_type': gguf.int32s([...types, ...new Array(vocabSize - tokens.length).fill(5)]),
  };
}
