import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGgufCheckpoint, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineJob } from '../src/engines/engine-job.js';
import { runEngine } from '../src/run-engine.js';

const root = await mkdtemp(join(tmpdir(), 'pio-gguf-oracle-'));
afterAll(() => rm(root, { recursive: true, force: true }));

// llama.cpp is the oracle of the GGUF writer: the same random weights, written
// as safetensors for PIO and as an F32 GGUF for llama.cpp, must give the same
// greedy tokens. A wrong tensor name, layout, bias or q/k permutation would not, nor
// a wrong stacking of experts (qwen3_moe: 8 experts of width 64, top-2, every
// layer sparse, as llama.cpp's qwen3moe runs it).
describe.each([
  { arch: 'llama' as const, tokenizer: 'llama3' as const, headDim: 32, moe: {} },
  // Tied, q/k/v biases, rope base 1e6: llama.cpp's qwen2 reads the biases and keeps q/k rows unpermuted.
  { arch: 'qwen2' as const, tokenizer: 'qwen3' as const, headDim: 32, moe: {} },
  { arch: 'qwen3' as const, tokenizer: 'qwen3' as const, headDim: 48, moe: {} },
  {
    arch: 'qwen3_moe' as const,
    tokenizer: 'qwen3' as const,
    headDim: 32,
    moe: { num_experts: 8, num_experts_per_tok: 2, moe_intermediate_size: 64, norm_topk_prob: true },
  },
])('an F32 GGUF of a random $arch checkpoint', ({ arch, tokenizer, headDim, moe }) => {
  it('gives llama.cpp the greedy tokens PIO computes from the safetensors', { timeout: 120_000 }, async () => {
    const dir = join(root, arch);
    await writeRandomCheckpoint(dir, {
      arch,
      tokenizer,
      seed: 11,
      config: {
        hidden_size: 128,
        intermediate_size: 256,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        head_dim: headDim,
        ...moe,
      },
    });
    const file = join(root, `${arch}.gguf`);
    await writeGgufCheckpoint(dir, file, 'F32');
    const prompts = [[9906, 1917, 11, 1148, 374], Array.from({ length: 40 }, (_, i) => 100 + ((i * 7919) % 20000))];
    const common = { threads: 2, contextSize: 256, startPrompt: [1, 2], prompts, decodeTokens: 24 };
    const pio = await runEngine({
      engine: 'pio',
      model: dir,
      dtype: 'float32',
      cacheDir: join(root, 'cache'),
      ...common,
    } satisfies EngineJob);
    const llama = await runEngine({ engine: 'llama.cpp', model: file, dtype: 'F32', ...common } satisfies EngineJob);
    for (let i = 0; i < prompts.length; i++) {
      expect(pio.prompts[i]!.tokens).toHaveLength(24);
      expect(llama.prompts[i]!.tokens).toEqual(pio.prompts[i]!.tokens);
    }
  });
});
