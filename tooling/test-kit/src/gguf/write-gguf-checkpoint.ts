import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type GgmlTypeName,
  type GgufTensorToWrite,
  type GgufValue,
  gguf,
  quantizeQ4_0,
  quantizeQ8_0,
  writeGgufFile,
} from '@pio/gguf';
import { float32ToFloat16, openCheckpointWeights } from '@pio/safetensors';
import { TestKitError } from '../errors/test-kit-error.js';
import { ggufTokenizerMetadata } from './gguf-tokenizer-metadata.js';
import { permuteRotaryRows } from './permute-rotary-rows.js';

/** How the matrices of a GGUF written by {@link writeGgufCheckpoint} are stored; norms stay F32. */
export type GgufWeightType = 'F32' | 'F16' | 'Q8_0' | 'Q4_0';

/** llama.cpp's `general.file_type` (`llama_ftype`) for each {@link GgufWeightType}. */
const fileTypes: Record<GgufWeightType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7 };

/** What {@link writeGgufCheckpoint} wrote. */
export interface GgufCheckpoint {
  /** The `.gguf` file. */
  file: string;
  /** Bytes in it. */
  bytes: number;
  /** `general.architecture`. */
  architecture: 'llama' | 'qwen3';
  /** Tensors written. */
  tensors: number;
}

interface HfConfig {
  architectures?: string[];
  model_type?: string;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads?: number;
  head_dim?: number;
  vocab_size: number;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta?: number;
  rope_scaling?: { rope_type?: string; type?: string; factor?: number } | null;
  tie_word_embeddings?: boolean;
  bos_token_id?: number | null;
  eos_token_id?: number | number[] | null;
  pad_token_id?: number | null;
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
    default:
      throw new TypeError(`no encoder for ${type}`);
  }
}

/**
 * Writes a Hugging Face checkpoint folder (a `LlamaForCausalLM` or
 * `Qwen3ForCausalLM` with a byte-level BPE tokenizer.json, as the kit writes
 * them) as one GGUF file that llama.cpp loads: llama.cpp's tensor names and
 * metadata keys, the q/k rows of Llama permuted to llama.cpp's interleaved
 * rotary layout, matrices in `weightType` (Q4_0/Q8_0 by ggml's reference
 * quantizer, the embedding too: like `llama-quantize --pure`), norms F32.
 *
 * Streams tensor by tensor: memory holds one tensor in float32 and its encoding.
 *
 * @throws TestKitError for an architecture, rope scaling or tokenizer the writer does not cover.
 */
export async function writeGgufCheckpoint(
  checkpointDir: string,
  file: string,
  weightType: GgufWeightType,
): Promise<GgufCheckpoint> {
  const config = JSON.parse(await readFile(join(checkpointDir, 'config.json'), 'utf8')) as HfConfig;
  const tokenizerJson = JSON.parse(await readFile(join(checkpointDir, 'tokenizer.json'), 'utf8'));
  const tokenizerConfig = JSON.parse(
    await readFile(join(checkpointDir, 'tokenizer_config.json'), 'utf8').catch(() => '{}'),
  ) as {
    add_bos_token?: boolean;
  };
  const hfArch = config.architectures?.[0] ?? '';
  const arch = hfArch === 'Qwen3ForCausalLM' ? 'qwen3' : hfArch === 'LlamaForCausalLM' ? 'llama' : undefined;
  if (!arch) {
    throw new TestKitError({
      where: 'writeGgufCheckpoint',
      message: `it writes Llama and Qwen3 checkpoints, not ${hfArch || 'an unnamed architecture'}`,
      hint: 'Pass a folder written by writeRandomCheckpoint or prepareBenchCheckpoint for llama or qwen3.',
    });
  }
  const scaling = config.rope_scaling;
  const scalingType = scaling?.rope_type ?? scaling?.type;
  if (scaling && scalingType !== 'linear') {
    throw new TestKitError({
      where: 'writeGgufCheckpoint',
      message: `rope_scaling of type ${scalingType} is not written to GGUF (llama.cpp needs a rope_freqs tensor for llama3 scaling)`,
      hint: 'Write the checkpoint without rope_scaling, or with linear scaling.',
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
    ...(scaling
      ? {
          [key('rope.scaling.type')]: gguf.string('linear'),
          [key('rope.scaling.factor')]: gguf.float32(scaling.factor ?? 1),
        }
      : {}),
    ...ggufTokenizerMetadata(tokenizerJson, config.vocab_size, {
      bosTokenId: config.bos_token_id ?? null,
      eosTokenId: eos ?? null,
      padTokenId: config.pad_token_id ?? null,
      addBosToken: tokenizerConfig.add_bos_token ?? false,
    }),
  };

  const weights = await openCheckpointWeights(checkpointDir);
  try {
    const tensors: GgufTensorToWrite[] = [];
    const track = async (
      ggufName: string,
      hfName: string,
      kind: 'matrix' | 'vector',
      transform?: (values: Float32Array) => Float32Array,
    ) => {
      if (!weights.has(hfName)) return;
      const type: GgmlTypeName = kind === 'vector' ? 'F32' : weightType;
      tensors.push({
        name: ggufName,
        type,
        shape: (await weights.info(hfName)).shape,
        data: async () => {
          const values = await weights.read(hfName);
          return encode(transform ? transform(values) : values, type);
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
      await track(`${blk}.ffn_norm.weight`, `${hf}.post_attention_layernorm.weight`, 'vector');
      await track(`${blk}.ffn_gate.weight`, `${hf}.mlp.gate_proj.weight`, 'matrix');
      await track(`${blk}.ffn_up.weight`, `${hf}.mlp.up_proj.weight`, 'matrix');
      await track(`${blk}.ffn_down.weight`, `${hf}.mlp.down_proj.weight`, 'matrix');
    }
    await track('output_norm.weight', 'model.norm.weight', 'vector');
    if (!config.tie_word_embeddings) await track('output.weight', 'lm_head.weight', 'matrix');
    const written = await writeGgufFile(file, { metadata, tensors });
    return { file, bytes: written.bytes, architecture: arch, tensors: tensors.length };
  } finally {
    await weights.close();
  }
}
