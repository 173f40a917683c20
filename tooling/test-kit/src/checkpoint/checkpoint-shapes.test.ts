import { buildHfConfig, resolveDecoderShape } from '@pio/demo';
import { describe, expect, it } from 'vitest';
import { checkpointShapes } from './checkpoint-shapes.js';

const resolved = Object.entries(checkpointShapes).map(([name, shape]) => {
  const tokenizer = shape.tokenizer ?? (shape.arch === 'llama' ? 'llama3' : 'qwen3');
  const config = buildHfConfig(shape.arch, tokenizer, shape.dtype ?? 'float32', shape.config);
  return { name, shape, config, decoder: resolveDecoderShape(shape.arch, config) };
});

describe('checkpointShapes', () => {
  it('are tiny: hidden size 64 and 2 layers (3 or 4 for mixtures of experts, to have dense and sparse layers)', () => {
    for (const { decoder } of resolved) {
      expect(decoder.hiddenSize).toBe(64);
      expect(decoder.numLayers).toBe(decoder.experts ? (decoder.numLayers === 4 ? 4 : 3) : 2);
    }
  });

  it('cover the mixture-of-experts variants: dense layers between sparse ones, renormalized or not, sparse steps, peaky', () => {
    const moe = resolved.filter(({ decoder }) => decoder.experts);
    expect(moe.some(({ decoder }) => decoder.experts!.normalizeTopK)).toBe(true);
    expect(moe.some(({ decoder }) => !decoder.experts!.normalizeTopK)).toBe(true);
    expect(moe.some(({ decoder }) => decoder.experts!.sparseLayers.includes(false))).toBe(true);
    expect(moe.some(({ config }) => config.decoder_sparse_step === 2)).toBe(true);
    expect(moe.some(({ decoder }) => decoder.experts!.expertWidth !== decoder.intermediateSize)).toBe(true);
    expect(moe.some(({ shape }) => (shape.peaky ?? 0) > 0)).toBe(true);
  });

  it('cover Qwen2 tied and untied, with the q/k/v biases its shape implies', () => {
    const qwen2 = resolved.filter(({ shape }) => shape.arch === 'qwen2');
    expect(qwen2.map(({ decoder }) => decoder.tieWordEmbeddings).sort()).toEqual([false, true]);
    for (const { name, decoder, config } of qwen2) {
      expect(name.startsWith('qwen2-')).toBe(true);
      expect([decoder.attentionBias, decoder.outputBias]).toEqual([true, false]);
      expect(config.rope_theta).toBe(1000000);
    }
  });

  it.each(['llama', 'qwen3'] as const)('cover every variant the inference tests need, for %s', (arch) => {
    const mine = resolved.filter(({ shape }) => shape.arch === arch);
    const ratios = new Set(mine.map(({ decoder }) => decoder.numAttentionHeads / decoder.numKeyValueHeads));
    expect([...ratios].sort()).toEqual([1, 2, 4]);
    expect(mine.some(({ decoder }) => decoder.tieWordEmbeddings)).toBe(true);
    expect(mine.some(({ decoder }) => !decoder.tieWordEmbeddings)).toBe(true);
    expect(mine.some(({ decoder }) => decoder.headDim * decoder.numAttentionHeads !== decoder.hiddenSize)).toBe(true);
    expect(mine.some(({ decoder }) => decoder.ropeScaling.type === 'llama3')).toBe(true);
    expect(mine.some(({ shape }) => shape.dtype === 'bfloat16')).toBe(true);
    expect(mine.some(({ shape }) => typeof shape.shards === 'number' && shape.shards > 1)).toBe(true);
    expect(mine.some(({ shape }) => (shape.peaky ?? 0) > 0)).toBe(true);
    for (const { name, shape } of mine) {
      expect(name.startsWith(`${arch}-`)).toBe(true);
      expect(shape.description.length).toBeGreaterThan(10);
    }
  });
});
