import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GgufFile, gguf, writeGgufFile } from '@pio/gguf';
import { cosineSimilarity, writeDequantizedGguf, writeGgufCheckpoint, writeRandomCheckpoint } from '@pio/test-kit';
import { getLlama, type Llama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = await mkdtemp(join(tmpdir(), 'pio-gguf-kquants-'));
let llama: Llama;
const dir = join(root, 'hf');
afterAll(() => rm(root, { recursive: true, force: true }));

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  await writeRandomCheckpoint(dir, {
    arch: 'llama',
    tokenizer: 'gpt2',
    seed: 5,
    config: {
      hidden_size: 256,
      intermediate_size: 512,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 64,
      tie_word_embeddings: false,
    },
  });
}, 120_000);

async function embeddings(file: string, prompts: number[][]): Promise<(readonly number[])[]> {
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createEmbeddingContext({ contextSize: 128, threads: 2 });
  try {
    const out: (readonly number[])[] = [];
    for (const prompt of prompts) out.push((await context.getEmbeddingFor(prompt as Token[])).vector);
    return out;
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

/** A copy of an F32 GGUF with one tensor negated: a wrong reading of that tensor's bytes. */
async function corrupt(source: string, target: string, tensor: string): Promise<void> {
  const file = await GgufFile.open(source);
  try {
    const metadata = Object.fromEntries(file.metadata.entries);
    metadata['general.name'] = gguf.string('corrupted');
    await writeGgufFile(target, {
      metadata,
      tensors: file.tensors.map((t) => ({
        name: t.name,
        type: 'F32' as const,
        shape: t.shape,
        data: async () => {
          const values = await file.readTensorFloat32(t.name);
          if (t.name === tensor) for (let i = 0; i < values.length; i++) values[i] = -values[i]!;
          return new Uint8Array(values.buffer);
        },
      })),
    });
  } finally {
    await file.close();
  }
}

// llama.cpp reads the test kit's K-quant bytes as @pio/gguf means them: on a
// Q4_K_M file (Q4_K and Q6_K matrices: Q6_K for attn_v, ffn_down and the head)
// and on an F32 file of its dequantized weights (dequantizeGgml), llama.cpp's
// last hidden states agree (cosine 0.9997 here: llama.cpp quantizes
// activations to 8 bits for K-quant products), while a copy with one
// layer's weights read wrongly (negated) lands far away (0.5-0.7).
describe('a Q4_K_M GGUF of a random Llama', () => {
  it('gives llama.cpp the hidden states of its own dequantized F32 copy', { timeout: 180_000 }, async () => {
    const quantized = join(root, 'q4_k_m.gguf');
    const dequantized = join(root, 'f32.gguf');
    const wrong = join(root, 'wrong.gguf');
    await writeGgufCheckpoint(dir, quantized, 'Q4_K_M');
    const header = await GgufFile.open(quantized);
    expect(new Set(header.tensors.map((tensor) => tensor.type))).toEqual(new Set(['F32', 'Q4_K', 'Q6_K']));
    await header.close();
    await writeDequantizedGguf(quantized, dequantized);
    await corrupt(dequantized, wrong, 'blk.1.ffn_down.weight');
    const prompts = [
      [464, 2068, 7586, 21831],
      Array.from({ length: 24 }, (_, i) => 100 + ((i * 7919) % 20000)),
      Array.from({ length: 40 }, (_, i) => 7 + ((i * 104729) % 50000)),
    ];
    const fromQuantized = await embeddings(quantized, prompts);
    const fromF32 = await embeddings(dequantized, prompts);
    const fromWrong = await embeddings(wrong, prompts);
    for (let i = 0; i < prompts.length; i++) {
      expect(fromQuantized[i]).toHaveLength(256);
      expect(cosineSimilarity(fromQuantized[i]!, fromF32[i]!)).toBeGreaterThan(0.999);
      expect(cosineSimilarity(fromQuantized[i]!, fromWrong[i]!)).toBeLessThan(0.95);
    }
  });
});
