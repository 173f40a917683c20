import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { GgufFile, ggufTokenizer } from '@pio/gguf';
import { openCheckpointWeights } from '@pio/safetensors';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointShapes } from '../checkpoint/checkpoint-shapes.js';
import { writeRandomCheckpoint } from '../checkpoint/write-random-checkpoint.js';
import { TestKitError } from '../errors/test-kit-error.js';
import { writeDequantizedGguf } from './dequantize-gguf-file.js';
import { writeGgufCheckpoint } from './write-gguf-checkpoint.js';

const root = await mkdtemp(join(tmpdir(), 'pio-kit-gguf-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('writeGgufCheckpoint', () => {
  it('embeds the SentencePiece test vocabulary padded to vocab_size, and falls back to Q8_0 for rows of 64', async () => {
    const dir = join(root, 'hf');
    const written = await writeRandomCheckpoint(dir, { arch: 'llama', tokenizer: 'gpt2', seed: 3 });
    const file = join(root, 'spm.gguf');
    await writeGgufCheckpoint(dir, file, 'Q4_K_M', { tokenizer: 'spm' });
    const gguf = await GgufFile.open(file);
    try {
      expect(gguf.metadata.getString('tokenizer.ggml.model')).toBe('llama');
      const tokens = gguf.metadata.getStringArray('tokenizer.ggml.tokens');
      expect(tokens).toHaveLength(written.config.vocab_size);
      expect(tokens.at(-1)).toBe(`[PAD${written.config.vocab_size - 1}]`);
      // hidden 64 is no whole 256-weight super-block: every matrix falls back to Q8_0.
      expect(new Set(gguf.tensors.map((t) => t.type))).toEqual(new Set(['F32', 'Q8_0']));
      const built = ggufTokenizer(gguf.metadata);
      const tokenizer = new Tokenizer(built.tokenizerJson, built.tokenizerConfig);
      const ids = tokenizer.encode('Hello world', { add_special_tokens: true }).ids;
      expect(ids[0]).toBe(1);
      expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe('Hello world');
    } finally {
      await gguf.close();
    }
    const f32 = join(root, 'f32.gguf');
    await writeDequantizedGguf(file, f32);
    const copy = await GgufFile.open(f32);
    const original = await GgufFile.open(file);
    try {
      expect(copy.tensors.every((t) => t.type === 'F32')).toBe(true);
      expect(await copy.readTensorFloat32('blk.0.attn_q.weight')).toEqual(
        await original.readTensorFloat32('blk.0.attn_q.weight'),
      );
    } finally {
      await copy.close();
      await original.close();
    }
  });

  it('writes Qwen3-MoE as llama.cpp’s qwen3moe: experts stacked [experts, out, in], an F32 router, expert metadata', async () => {
    const { description: _description, ...recipe } = checkpointShapes['qwen3-moe-all-sparse'];
    const { dir } = await writeRandomCheckpoint(join(root, 'moe'), { ...recipe, seed: 4 });
    const file = join(root, 'moe-q8_0.gguf');
    const f32 = join(root, 'moe-f32.gguf');
    expect((await writeGgufCheckpoint(dir, file, 'Q8_0')).architecture).toBe('qwen3moe');
    await writeGgufCheckpoint(dir, f32, 'F32');
    const quantized = await GgufFile.open(file);
    const float = await GgufFile.open(f32);
    const weights = await openCheckpointWeights(dir);
    try {
      const m = quantized.metadata;
      expect(m.getString('general.architecture')).toBe('qwen3moe');
      expect(m.getInteger('qwen3moe.expert_count')).toBe(8);
      expect(m.getInteger('qwen3moe.expert_used_count')).toBe(2);
      expect(m.getInteger('qwen3moe.expert_feed_forward_length')).toBe(32);
      // Hidden 64, expert width 32: gate/up are [experts, 32, 64], down [experts, 64, 32].
      expect(quantized.tensor('blk.2.ffn_gate_exps.weight')).toMatchObject({ type: 'Q8_0', shape: [8, 32, 64] });
      expect(quantized.tensor('blk.2.ffn_up_exps.weight')).toMatchObject({ type: 'Q8_0', shape: [8, 32, 64] });
      expect(quantized.tensor('blk.2.ffn_down_exps.weight')).toMatchObject({ type: 'Q8_0', shape: [8, 64, 32] });
      expect(quantized.tensor('blk.0.ffn_gate_inp.weight')).toMatchObject({ type: 'F32', shape: [8, 64] });
      expect(quantized.has('blk.0.ffn_gate.weight')).toBe(false);
      for (const projection of ['gate', 'up', 'down']) {
        for (const expert of [0, 5, 7]) {
          expect(await float.readTensorSliceFloat32(`blk.1.ffn_${projection}_exps.weight`, expert)).toEqual(
            await weights.read(`model.layers.1.mlp.experts.${expert}.${projection}_proj.weight`),
          );
        }
      }
    } finally {
      await quantized.close();
      await float.close();
      await weights.close();
    }

    // llama.cpp's qwen3moe has no dense layers and always renormalizes the top-k weights.
    const { description: _d, ...mixed } = checkpointShapes['qwen3-moe-norm'];
    const dense = await writeRandomCheckpoint(join(root, 'moe-dense'), { ...mixed, seed: 4 });
    const error = await writeGgufCheckpoint(dense.dir, join(root, 'dense.gguf'), 'F32').catch((e: unknown) => e);
    expect(TestKitError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('mlp_only_layers [1]');
  });

  it('writes Qwen2 as llama.cpp’s qwen2: q/k/v biases as F32 vectors, q/k rows and biases as stored (not permuted)', async () => {
    const { description: _description, ...recipe } = checkpointShapes['qwen2-untied-kv4'];
    const { dir } = await writeRandomCheckpoint(join(root, 'qwen2'), { ...recipe, seed: 6 });
    const file = join(root, 'qwen2-q8_0.gguf');
    expect((await writeGgufCheckpoint(dir, file, 'Q8_0')).architecture).toBe('qwen2');
    const gguf = await GgufFile.open(file);
    const weights = await openCheckpointWeights(dir);
    try {
      expect(gguf.metadata.getString('general.architecture')).toBe('qwen2');
      expect(gguf.metadata.getNumber('qwen2.rope.freq_base')).toBe(1000000);
      expect(gguf.metadata.getInteger('qwen2.attention.head_count_kv')).toBe(1);
      expect(gguf.tensor('blk.1.attn_q.bias')).toMatchObject({ type: 'F32', shape: [64] });
      expect(gguf.tensor('blk.1.attn_k.bias')).toMatchObject({ type: 'F32', shape: [16] });
      expect(gguf.tensor('blk.1.attn_v.bias')).toMatchObject({ type: 'F32', shape: [16] });
      expect(gguf.has('blk.1.attn_output.bias')).toBe(false);
      expect(gguf.has('output.weight')).toBe(true);
      for (const projection of ['q', 'k', 'v']) {
        expect(await gguf.readTensorFloat32(`blk.1.attn_${projection}.bias`)).toEqual(
          await weights.read(`model.layers.1.self_attn.${projection}_proj.bias`),
        );
      }
      // Unpermuted: each Q8_0 row is the Hugging Face row, quantized alone.
      const query = await weights.read('model.layers.0.self_attn.q_proj.weight');
      const stored = await gguf.readTensorFloat32('blk.0.attn_q.weight');
      for (const row of [0, 1, 8, 63]) {
        const expected = query.subarray(row * 64, (row + 1) * 64);
        const got = stored.subarray(row * 64, (row + 1) * 64);
        let worst = 0;
        for (let i = 0; i < 64; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
        expect(worst, `row ${row}`).toBeLessThan(0.02);
      }
    } finally {
      await gguf.close();
      await weights.close();
    }
  });
});
