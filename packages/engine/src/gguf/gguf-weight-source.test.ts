import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { permuteRotaryRows, writeGgufCheckpoint, writeRandomCheckpoint } from '@pio/test-kit';
import { describe, expect, it } from 'vitest';
import {
  type GgufPrequantized,
  GgufWeightSource,
  ggufTensorLocation,
  ggufTensorName,
  unpermuteRotaryRows,
} from './gguf-weight-source.js';

/** What MatMulNBits multiplies by, less the block minimums the graph subtracts: `[N, K]` row-major, `(q − zero) · scale − min` per block. */
function opWeights(weight: GgufPrequantized): Float32Array {
  const { N, K, bits, blockSize, packed, scales, zeroPoints, blockMins } = weight;
  const kBlocks = K / blockSize;
  const blob = (blockSize * bits) / 8;
  const zeroStride = Math.ceil((kBlocks * bits) / 8);
  const code = (bytes: Uint8Array, base: number, index: number) =>
    bits === 8 ? bytes[base + index]! : (bytes[base + (index >> 1)]! >> ((index & 1) * 4)) & 15;
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let block = 0; block < kBlocks; block++) {
      const zero = zeroPoints ? code(zeroPoints, n * zeroStride, block) : 1 << (bits - 1);
      for (let j = 0; j < blockSize; j++) {
        const q = code(packed, (n * kBlocks + block) * blob, j);
        const value = Math.fround((q - zero) * scales[n * kBlocks + block]!);
        out[n * K + block * blockSize + j] = blockMins ? Math.fround(value - blockMins[n * kBlocks + block]!) : value;
      }
    }
  }
  return out;
}

describe('GGUF weight names and rows', () => {
  it('maps Hugging Face names onto llama.cpp names', () => {
    expect(ggufTensorName('model.embed_tokens.weight')).toBe('token_embd.weight');
    expect(ggufTensorName('model.norm.weight')).toBe('output_norm.weight');
    expect(ggufTensorName('lm_head.weight')).toBe('output.weight');
    expect(ggufTensorName('model.layers.3.input_layernorm.weight')).toBe('blk.3.attn_norm.weight');
    expect(ggufTensorName('model.layers.0.self_attn.q_proj.weight')).toBe('blk.0.attn_q.weight');
    expect(ggufTensorName('model.layers.0.self_attn.k_proj.bias')).toBe('blk.0.attn_k.bias');
    expect(ggufTensorName('model.layers.12.self_attn.o_proj.weight')).toBe('blk.12.attn_output.weight');
    expect(ggufTensorName('model.layers.1.self_attn.q_norm.weight')).toBe('blk.1.attn_q_norm.weight');
    expect(ggufTensorName('model.layers.1.post_attention_layernorm.weight')).toBe('blk.1.ffn_norm.weight');
    expect(ggufTensorName('model.layers.2.mlp.down_proj.weight')).toBe('blk.2.ffn_down.weight');
    expect(ggufTensorName('model.layers.2.mlp.gate.weight')).toBe('blk.2.ffn_gate_inp.weight');
    expect(ggufTensorLocation('model.layers.2.mlp.experts.0.down_proj.weight')).toEqual({
      tensor: 'blk.2.ffn_down_exps.weight',
      expert: 0,
    });
    expect(ggufTensorLocation('model.layers.7.mlp.experts.127.gate_proj.weight')).toEqual({
      tensor: 'blk.7.ffn_gate_exps.weight',
      expert: 127,
    });
    expect(ggufTensorName('model.layers.2.mlp.experts.0.down_proj.weight')).toBe('blk.2.ffn_down_exps.weight');
    expect(ggufTensorName('model.layers.2.mlp.experts.0.down_proj.bias')).toBeUndefined();
    expect(ggufTensorName('unknown')).toBeUndefined();
  });

  it('undoes the test kit’s (llama.cpp’s) rotary row permutation', () => {
    const heads = 3;
    const headDim = 8;
    const columns = 5;
    const values = Float32Array.from({ length: heads * headDim * columns }, (_, i) => i);
    const permuted = permuteRotaryRows(values, heads, headDim, columns);
    expect(permuted).not.toEqual(values);
    expect(unpermuteRotaryRows(permuted, heads, headDim)).toEqual(values);
  });

  it('hands Q4_0, Q8_0 and Q4_K tensors over in MatMulNBits layout that multiplies by exactly the dequantized weights', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pio-gguf-prequantized-'));
    try {
      const { dir, config } = await writeRandomCheckpoint(join(root, 'hf'), {
        arch: 'llama',
        tokenizer: 'gpt2',
        seed: 3,
        // Rows of whole 256-weight super-blocks, so Q4_K stays Q4_K.
        config: { hidden_size: 256, intermediate_size: 512, num_attention_heads: 4, num_key_value_heads: 2 },
      });
      const layout = {
        numAttentionHeads: config.num_attention_heads as number,
        numKeyValueHeads: config.num_key_value_heads as number,
        headDim: (config.hidden_size as number) / (config.num_attention_heads as number),
      };
      const names = ['q_proj', 'k_proj', 'v_proj', 'o_proj'].map((p) => `model.layers.0.self_attn.${p}.weight`);
      names.push('model.layers.1.mlp.down_proj.weight');
      for (const [type, bits] of [
        ['Q4_0', 4],
        ['Q8_0', 8],
        ['Q4_K', 4],
      ] as const) {
        await writeGgufCheckpoint(dir, join(root, `m-${type}.gguf`), type);
        const source = await GgufWeightSource.open(join(root, `m-${type}.gguf`), layout);
        try {
          for (const name of names) {
            const weight = await source.readPrequantized(name, bits);
            expect(weight, `${type} ${name}`).toMatchObject({ bits, blockSize: 32 });
            expect(weight!.blockMins !== undefined, `${type} ${name} minimums`).toBe(type === 'Q4_K');
            expect(weight!.zeroPoints, `${type} ${name} zero points`).toBeUndefined();
            const expected = await source.read(name);
            if (type !== 'Q4_K') expect(opWeights(weight!)).toEqual(expected);
            else {
              // Centered codes: the minimum absorbs the shift, one float32 rounding per block.
              const got = opWeights(weight!);
              for (let i = 0; i < got.length; i += 7) expect(got[i]).toBeCloseTo(expected[i]!, 5);
            }
          }
          // Fewer bits than stored, or a float tensor: read as float32 instead.
          expect(await source.readPrequantized('model.norm.weight', 8)).toBeUndefined();
          if (bits === 8) expect(await source.readPrequantized(names[0]!, 4)).toBeUndefined();
        } finally {
          await source.close();
        }
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
