import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPluginPackage } from '@pio/conformance';
import { GraphError } from '@pio/onnx';
import { checkpointShapes, useBrokenCheckpoints } from '@pio/test-kit';
import { describe, expect, it } from 'vitest';
import { createGlm4MoeLitePlugin, Glm4MoeLiteConfig, type Glm4MoeLitePlugin } from '../src/index.js';

// The checks every decoder shares run in @pio/model-llama's errors.test.ts; these are GLM's own.

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

async function createPlugin(): Promise<Glm4MoeLitePlugin> {
  const { metadata } = await readPluginPackage(packageDir);
  return createGlm4MoeLitePlugin({ metadata, packageDir });
}

const { description: _description, ...recipe } = checkpointShapes['glm-q-lora'];
const checkpoints = useBrokenCheckpoints({ createPlugin, checkpoint: { ...recipe, seed: 23 } });
const { copyOfGood, initializeFailure } = checkpoints;

describe('GLM-4.7-Flash configs the plugin refuses (ConfigError naming the config.json key, nothing built)', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['kv_lora_rank missing', { kv_lora_rank: undefined }, 'kvLoraRank = null: is missing'],
    ['qk_rope_head_dim odd', { qk_rope_head_dim: 15 }, 'qkRopeHeadDim = 15: must be even'],
    ['n_group not dividing the experts', { n_group: 3 }, 'numGroups = 3: must divide numRoutedExperts (8)'],
    ['an unknown topk_method', { topk_method: 'greedy' }, 'topkMethod = "greedy": must be "noaux_tc"'],
    [
      'groups of one expert',
      { n_group: 8, topk_group: 4 },
      'leaves 1 expert per group: a group is scored by its two best experts',
    ],
    [
      'open groups holding fewer experts than a token takes',
      { n_group: 4, topk_group: 1, num_experts_per_tok: 3 },
      'opens 1 group(s) of 2 experts, fewer than num_experts_per_tok (3)',
    ],
    ['num_experts_per_tok above n_routed_experts', { num_experts_per_tok: 9 }, 'must be at most numRoutedExperts (8)'],
  ];
  for (const [what, edit, message] of cases) {
    it(what, async () => {
      const { error } = await checkpoints.configError(edit);
      expect(error.message).toContain('Invalid Glm4MoeLiteConfig');
      expect(error.message).toContain(message);
    });
  }

  it('a missing e_score_correction_bias: GraphError naming the tensor', async () => {
    const dir = await copyOfGood();
    const leftOut = 'model.layers.1.mlp.gate.e_score_correction_bias';
    await checkpoints.rewriteWeights(dir, (tensors) => {
      delete tensors[leftOut];
    });
    const error = await initializeFailure(dir);
    expect(GraphError.isInstance(error)).toBe(true);
    expect(error.message).toContain(leftOut);
  });
});

describe('Glm4MoeLiteConfig at GLM-4.7-Flash size', () => {
  const real = Glm4MoeLiteConfig.fromHuggingFace({
    architectures: ['Glm4MoeLiteForCausalLM'],
    model_type: 'glm4_moe_lite',
    hidden_size: 2048,
    intermediate_size: 10240,
    num_hidden_layers: 47,
    num_attention_heads: 20,
    num_key_value_heads: 20,
    vocab_size: 154880,
    kv_lora_rank: 512,
    max_position_embeddings: 202752,
    tie_word_embeddings: false,
    rope_theta: 1e6,
  });
  it('caches 576 floats per token and layer (not 20 heads × (256 + 256)), and counts ~30 B parameters, ~3.9 B active', () => {
    expect(real.kvCacheBytes(1)).toBe(576 * 4 * 47);
    expect(real.headDim).toBe(64);
    expect(real.estimateParameters() / 1e9).toBeCloseTo(29.94, 1);
    expect(real.activeParameters() / 1e9).toBeCloseTo(3.9, 1);
  });
});
