import {
  type Architecture,
  createRandomWeights,
  createRng,
  decoderWeightShapes,
  type HfDecoderConfig,
  resolveDecoderShape,
} from '@pio/demo';
import { describe, expect, it } from 'vitest';
import { TestKitError } from '../errors/test-kit-error.js';
import { referenceForward } from './reference-forward.js';
import { createReferenceKvCache } from './reference-kv-cache.js';

const vocab = 300;

function tinyModel(arch: Architecture, overrides: Partial<HfDecoderConfig> = {}, seed = 1) {
  const config: HfDecoderConfig = {
    vocab_size: vocab,
    hidden_size: 64,
    intermediate_size: 96,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 16,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    ...overrides,
  };
  const weights = createRandomWeights(resolveDecoderShape(arch, config), { seed, dtype: 'float32' });
  return { arch, config, weights };
}

function randomIds(count: number, seed = 3): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => rng.int(vocab));
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const llama3Scaling = {
  rope_type: 'llama3',
  factor: 8,
  low_freq_factor: 1,
  high_freq_factor: 4,
  original_max_position_embeddings: 64,
};

const shapes: [string, Architecture, Partial<HfDecoderConfig>][] = [
  ['llama, kv ratio 1', 'llama', { num_key_value_heads: 4 }],
  ['llama, kv ratio 2', 'llama', {}],
  ['llama, kv ratio 4', 'llama', { num_key_value_heads: 1 }],
  ['llama, head_dim 32 over hidden/heads 16', 'llama', { head_dim: 32 }],
  ['llama, llama3 RoPE scaling', 'llama', { rope_scaling: llama3Scaling }],
  ['llama, linear RoPE scaling', 'llama', { rope_scaling: { rope_type: 'linear', factor: 4 } }],
  ['llama, attention and MLP biases', 'llama', { attention_bias: true, mlp_bias: true }],
  ['llama, tied', 'llama', { tie_word_embeddings: true }],
  ['qwen2, kv ratio 2, tied, q/k/v biases', 'qwen2', { tie_word_embeddings: true }],
  ['qwen3, kv ratio 2, tied', 'qwen3', { tie_word_embeddings: true }],
  ['qwen3, kv ratio 4, head_dim 32', 'qwen3', { num_key_value_heads: 1, head_dim: 32 }],
  ['qwen3, kv ratio 1, llama3 RoPE scaling', 'qwen3', { num_key_value_heads: 4, rope_scaling: llama3Scaling }],
];

describe('referenceForward', () => {
  it.each(shapes)(
    '%s: a 16-token prefill then 16 single-token steps equal one pass over all 32',
    (_, arch, overrides) => {
      const { config, weights } = tinyModel(arch, overrides);
      const ids = randomIds(32);
      const full = referenceForward(arch, config, weights, ids);
      expect(full).toHaveLength(32 * vocab);

      const cache = createReferenceKvCache(arch, config);
      const incremental = new Float32Array(32 * vocab);
      incremental.set(referenceForward(arch, config, weights, ids.slice(0, 16), cache), 0);
      for (let t = 16; t < 32; t++) {
        incremental.set(referenceForward(arch, config, weights, [ids[t]!], cache), t * vocab);
      }
      expect(cache.length).toBe(32);
      expect(maxAbsDifference(incremental, full)).toBeLessThan(1e-5);

      // The logits are not degenerate: they spread and change from position to position.
      const first = full.subarray(0, vocab);
      const last = full.subarray(31 * vocab);
      expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(1);
      expect(maxAbsDifference(first, last)).toBeGreaterThan(0.5);

      // The cache holds the same keys and values as a one-shot prefill's.
      const oneShot = createReferenceKvCache(arch, config);
      referenceForward(arch, config, weights, ids, oneShot, { lastLogitsOnly: true });
      for (let layer = 0; layer < 2; layer++) {
        expect(maxAbsDifference(cache.keys(layer), oneShot.keys(layer))).toBeLessThan(1e-6);
        expect(maxAbsDifference(cache.values(layer), oneShot.values(layer))).toBeLessThan(1e-6);
      }
    },
  );

  it('gives the same logits for a prefill in uneven chunks, and for lastLogitsOnly the last row', () => {
    const { arch, config, weights } = tinyModel('qwen3');
    const ids = randomIds(20, 9);
    const full = referenceForward(arch, config, weights, ids);
    const cache = createReferenceKvCache(arch, config);
    const chunks = [ids.slice(0, 5), ids.slice(5, 16), ids.slice(16)];
    const pieces = chunks.map((chunk) => referenceForward(arch, config, weights, chunk, cache));
    const joined = new Float32Array(full.length);
    let offset = 0;
    for (const piece of pieces) {
      joined.set(piece, offset);
      offset += piece.length;
    }
    expect(maxAbsDifference(joined, full)).toBeLessThan(1e-5);
    const last = referenceForward(arch, config, weights, ids, undefined, { lastLogitsOnly: true });
    expect(maxAbsDifference(last, full.subarray(19 * vocab))).toBeLessThan(1e-6);
  });

  it('is causal: changing a token changes no earlier position', () => {
    const { arch, config, weights } = tinyModel('llama');
    const ids = randomIds(12, 4);
    const changed = [...ids];
    changed[8] = (ids[8]! + 1) % vocab;
    const a = referenceForward(arch, config, weights, ids);
    const b = referenceForward(arch, config, weights, changed);
    expect(maxAbsDifference(a.subarray(0, 8 * vocab), b.subarray(0, 8 * vocab))).toBe(0);
    expect(maxAbsDifference(a.subarray(8 * vocab, 9 * vocab), b.subarray(8 * vocab, 9 * vocab))).toBeGreaterThan(0.1);
    expect(maxAbsDifference(a.subarray(11 * vocab), b.subarray(11 * vocab))).toBeGreaterThan(1e-3);
  });

  it('applies Qwen3 q/k norms: the same weights give other logits as Llama, and scaling q_proj/k_proj changes nothing', () => {
    const { config, weights } = tinyModel('qwen3');
    const ids = randomIds(10, 5);
    const qwen = referenceForward('qwen3', config, weights, ids);
    const llama = referenceForward('llama', config, weights, ids);
    expect(maxAbsDifference(qwen, llama)).toBeGreaterThan(0.1);

    const scaled = new Map(weights);
    for (const [name, values] of weights) {
      if (/\.(q|k)_proj\.weight$/.test(name))
        scaled.set(
          name,
          values.map((value) => value * 7),
        );
    }
    // Per-head RMSNorm makes queries and keys independent of the projections' scale; Llama has no such norm.
    expect(maxAbsDifference(referenceForward('qwen3', config, scaled, ids), qwen)).toBeLessThan(1e-4);
    expect(maxAbsDifference(referenceForward('llama', config, scaled, ids), llama)).toBeGreaterThan(0.1);

    // The norm weights themselves matter.
    const unitNorms = new Map(weights);
    for (const [name, values] of weights) {
      if (/\.(q|k)_norm\.weight$/.test(name)) unitNorms.set(name, new Float32Array(values.length).fill(1));
    }
    expect(maxAbsDifference(referenceForward('qwen3', config, unitNorms, ids), qwen)).toBeGreaterThan(1e-2);
  });

  it.each([
    ['llama', 2],
    ['llama', 1],
    ['qwen3', 2],
    ['qwen3', 1],
  ] as const)(
    '%s with %i kv heads: query head h reads kv head floor(h / group), like an MHA model with repeated k/v rows',
    (arch, kvHeads) => {
      const { config, weights } = tinyModel(arch, { num_key_value_heads: kvHeads });
      const group = 4 / kvHeads;
      const expanded = new Map(weights);
      for (const [name, values] of weights) {
        if (!/\.(k|v)_proj\.weight$/.test(name)) continue;
        const rowValues = 16 * 64;
        const repeated = new Float32Array(4 * rowValues);
        for (let head = 0; head < 4; head++) {
          const source = Math.floor(head / group);
          repeated.set(values.subarray(source * rowValues, (source + 1) * rowValues), head * rowValues);
        }
        expanded.set(name, repeated);
      }
      const ids = randomIds(10, 6);
      const grouped = referenceForward(arch, config, weights, ids);
      const multiHead = referenceForward(arch, { ...config, num_key_value_heads: 4 }, expanded, ids);
      expect(maxAbsDifference(grouped, multiHead)).toBeLessThan(1e-5);
    },
  );

  it('uses the embedding as LM head when tied, and treats zero biases as no biases', () => {
    const untied = tinyModel('llama');
    const withHead = new Map(untied.weights);
    withHead.set('lm_head.weight', untied.weights.get('model.embed_tokens.weight')!.slice());
    const ids = randomIds(6, 7);
    const tied = referenceForward('llama', { ...untied.config, tie_word_embeddings: true }, untied.weights, ids);
    expect(maxAbsDifference(referenceForward('llama', untied.config, withHead, ids), tied)).toBe(0);

    const biasConfig = { ...untied.config, attention_bias: true, mlp_bias: true };
    const biased = new Map(untied.weights);
    for (const [name, dims] of decoderWeightShapes(resolveDecoderShape('llama', biasConfig))) {
      if (name.endsWith('.bias')) biased.set(name, new Float32Array(dims[0]!));
    }
    const plain = referenceForward('llama', untied.config, untied.weights, ids);
    expect(maxAbsDifference(referenceForward('llama', biasConfig, biased, ids), plain)).toBe(0);
  });

  it('runs Qwen2 as Llama with biases on q/k/v and a zero o_proj bias, and its biases change the logits', () => {
    const qwen2 = tinyModel('qwen2');
    const ids = randomIds(6, 9);
    const logits = referenceForward('qwen2', qwen2.config, qwen2.weights, ids);
    const biasConfig = { ...qwen2.config, attention_bias: true };
    const asLlama = new Map(qwen2.weights);
    for (const layer of [0, 1]) asLlama.set(`model.layers.${layer}.self_attn.o_proj.bias`, new Float32Array(64));
    expect(maxAbsDifference(referenceForward('llama', biasConfig, asLlama, ids), logits)).toBe(0);
    // The same weights without the q/k/v biases are another model.
    expect(maxAbsDifference(referenceForward('llama', qwen2.config, qwen2.weights, ids), logits)).toBeGreaterThan(1e-3);
  });

  it('matches a hand-written single-token pass of a one-layer model (norm placement, residuals, silu(gate) * up)', () => {
    const { arch, config, weights } = tinyModel('llama', {
      num_hidden_layers: 1,
      attention_bias: true,
      mlp_bias: true,
    });
    const get = (name: string) => Array.from(weights.get(name)!);
    const matVec = (name: string, x: number[], bias?: string) => {
      const w = get(name);
      const out = w.length / x.length;
      const b = bias ? get(bias) : new Array<number>(out).fill(0);
      return Array.from({ length: out }, (_, o) =>
        x.reduce((sum, value, i) => sum + value * w[o * x.length + i]!, b[o]!),
      );
    };
    const norm = (x: number[], name: string) => {
      const w = get(name);
      const rms = Math.sqrt(x.reduce((sum, value) => sum + value * value, 0) / x.length + 1e-6);
      return x.map((value, i) => (value / rms) * w[i]!);
    };
    const token = 123;
    const x0 = get('model.embed_tokens.weight').slice(token * 64, (token + 1) * 64);
    // At position 0 RoPE is the identity and each query attends to its only key: the output is V.
    const v = matVec(
      'model.layers.0.self_attn.v_proj.weight',
      norm(x0, 'model.layers.0.input_layernorm.weight'),
      'model.layers.0.self_attn.v_proj.bias',
    );
    const attended = Array.from({ length: 4 * 16 }, (_, i) => v[Math.floor(i / 16 / 2) * 16 + (i % 16)]!);
    const x1 = matVec('model.layers.0.self_attn.o_proj.weight', attended, 'model.layers.0.self_attn.o_proj.bias').map(
      (o, i) => o + x0[i]!,
    );
    const h = norm(x1, 'model.layers.0.post_attention_layernorm.weight');
    const gate = matVec('model.layers.0.mlp.gate_proj.weight', h, 'model.layers.0.mlp.gate_proj.bias');
    const up = matVec('model.layers.0.mlp.up_proj.weight', h, 'model.layers.0.mlp.up_proj.bias');
    const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
    const x2 = matVec('model.layers.0.mlp.down_proj.weight', act, 'model.layers.0.mlp.down_proj.bias').map(
      (d, i) => d + x1[i]!,
    );
    const expected = matVec('lm_head.weight', norm(x2, 'model.norm.weight'));
    const logits = referenceForward(arch, config, weights, [token]);
    for (let i = 0; i < vocab; i++) expect(logits[i]).toBeCloseTo(expected[i]!, 4);
  });

  it('rejects bad input with a TestKitError and leaves the cache untouched', () => {
    const { arch, config, weights } = tinyModel('llama');
    const cache = createReferenceKvCache(arch, config);
    referenceForward(arch, config, weights, [1, 2, 3], cache);
    const expectTestKitError = (run: () => unknown, pattern: RegExp) => {
      let caught: unknown;
      try {
        run();
      } catch (error) {
        caught = error;
      }
      expect(TestKitError.isInstance(caught)).toBe(true);
      expect((caught as Error).message).toMatch(pattern);
    };
    expectTestKitError(() => referenceForward(arch, config, weights, [4, vocab], cache), /inputIds\[1\] = 300/);
    expectTestKitError(() => referenceForward(arch, config, weights, [], cache), /empty/);
    const missing = new Map(weights);
    missing.delete('model.layers.1.mlp.up_proj.weight');
    expectTestKitError(
      () => referenceForward(arch, config, missing, [4], cache),
      /no tensor "model.layers.1.mlp.up_proj.weight"/,
    );
    const short = new Map(weights);
    short.set('model.norm.weight', new Float32Array(10));
    expectTestKitError(() => referenceForward(arch, config, short, [4], cache), /"model.norm.weight" has 10 values/);
    const otherCache = createReferenceKvCache(arch, { ...config, num_key_value_heads: 4 });
    expectTestKitError(() => referenceForward(arch, config, weights, [4], otherCache), /cache holds 2 layers of 64/);
    expect(cache.length).toBe(3);
  });
});
