import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GgufFile } from '@pio/gguf';
import { prepareBenchCheckpoint, writeGgufCheckpoint } from '@pio/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { benchShapes } from './bench-shapes.js';

const root = await mkdtemp(join(tmpdir(), 'pio-bench-shapes-'));
afterAll(() => rm(root, { recursive: true, force: true }));

// Sizes only shrink: architecture, head ratios, tying and the experts' routing stay the shape's own.
const tiny = {
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 16,
  vocab_size: 512,
};

describe('benchShapes', () => {
  it('run the dense shapes by default and the Qwen3-MoE ones when named', () => {
    expect(benchShapes.filter((shape) => shape.byDefault).map((shape) => shape.recipe.arch)).not.toContain('qwen3_moe');
    expect(benchShapes.filter((shape) => !shape.byDefault).map((shape) => shape.name)).toEqual([
      'qwen3-30b-a3b-16e',
      'qwen3-30b-a3b-4l',
    ]);
  });

  it.each(benchShapes.map((shape) => [shape.name, shape] as const))(
    '%s, shrunk, is written as a Q4_0 GGUF of its llama.cpp architecture (for the llama.cpp side)',
    { timeout: 60_000 },
    async (name, shape) => {
      const { config } = shape.recipe;
      const moe = config.num_experts !== undefined ? { moe_intermediate_size: 32 } : {};
      const checkpoint = await prepareBenchCheckpoint(join(root, name), {
        ...shape.recipe,
        config: { ...config, ...tiny, ...moe },
      });
      const file = join(root, `${name}.gguf`);
      await writeGgufCheckpoint(checkpoint.dir, file, 'Q4_0');
      const gguf = await GgufFile.open(file);
      try {
        const arch = { llama: 'llama', qwen3: 'qwen3', qwen3_moe: 'qwen3moe' }[shape.recipe.arch as string];
        expect(gguf.metadata.getString('general.architecture')).toBe(arch);
        if (config.num_experts !== undefined) {
          expect(gguf.metadata.getInteger('qwen3moe.expert_count')).toBe(config.num_experts);
          expect(gguf.metadata.getInteger('qwen3moe.expert_used_count')).toBe(config.num_experts_per_tok);
          expect(gguf.tensor('blk.1.ffn_down_exps.weight')).toMatchObject({
            type: 'Q4_0',
            shape: [config.num_experts, 64, 32],
          });
        }
      } finally {
        await gguf.close();
      }
    },
  );
});
