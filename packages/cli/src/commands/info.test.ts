import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseConfig, DecoderConfig } from '@pio/core';
import { checkpointShapes, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { fallbackConfig } from './info.js';

let root: string;
let checkpoint: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-cli-info-'));
  checkpoint = (await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 2 })).dir;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pio info', () => {
  it('describes a checkpoint without loading it: plugin, parameters, memory per dtype', async () => {
    const io = captureIo(root);
    expect(await runCli(['info', checkpoint, '--json'], io)).toBe(0);
    const info = JSON.parse(io.stdout) as {
      plugin: string;
      parameters: number;
      weightsBytes: { float32: number; int8: number; int4: number };
    };
    expect(info.plugin).toMatch(/^@pio\/model-llama@/);
    // The test kit's default Llama: hidden 64, 2 layers, 4 query and 2 key/value heads of 16, intermediate 128,
    // untied, GPT-2 vocabulary.
    expect(info.parameters).toBe(50257 * 64 * 2 + 2 * (2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 128 + 2 * 64) + 64);
    expect(info.weightsBytes.float32).toBe(info.parameters * 4);
    expect(info.weightsBytes.int4).toBeLessThan(info.weightsBytes.int8);
  });

  it('counts a mixture of experts by its plugin: all experts in parameters, only the chosen ones in activeParameters; pio run generates from it', async () => {
    const { description: _description, ...recipe } = checkpointShapes['qwen3-moe-norm'];
    const moe = await writeRandomCheckpoint(join(root, 'moe'), { ...recipe, seed: 3 });
    const io = captureIo(root);
    expect(await runCli(['info', moe.dir, '--json'], io)).toBe(0);
    const info = JSON.parse(io.stdout) as { plugin: string; parameters: number; activeParameters: number };
    expect(info.plugin).toMatch(/^@pio\/model-qwen3-moe@/);
    let stored = 0;
    for (const tensor of moe.weights.values()) stored += tensor.length;
    expect(info.parameters).toBe(stored);
    // 8 experts, top-2, in 2 of 3 layers: 6 experts' weights per sparse layer are not read by a token.
    expect(info.activeParameters).toBe(stored - 2 * 6 * 3 * 64 * 48);

    const run = captureIo(root);
    const code = await runCli(['run', moe.dir, 'Hello', '-n', '4', '--cache-dir', join(root, 'cache')], run);
    expect(code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Building the graph (3 layers)');
  });

  it("prints an installed plugin's manifest, and a one-line error for an unknown one", async () => {
    const io = captureIo(root);
    expect(await runCli(['info', '@pio/model-llama'], io)).toBe(0);
    expect(io.stdout).toMatch(/architectures\s+\["LlamaForCausalLM","MistralForCausalLM","Qwen2ForCausalLM"\]/);
    const unknown = captureIo(root);
    expect(await runCli(['info', '@pio/model-nope'], unknown)).toBe(1);
    expect(unknown.stderr).toContain('Unknown model plugin "@pio/model-nope"');
  });
});

describe('fallbackConfig (a plugin that exposes no config)', () => {
  const decoderFields = { hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 100 };
  it('reads a causal language model as a decoder', () => {
    for (const architectures of [['LlamaForCausalLM'], ['GPT2LMHeadModel'], undefined]) {
      const config = fallbackConfig({ ...decoderFields, ...(architectures ? { architectures } : {}) }, 'config.json');
      expect(config).toBeInstanceOf(DecoderConfig);
    }
  });

  it('reads an encoder, or a config without the decoder fields, as a plain BaseConfig', () => {
    const encoder = fallbackConfig({ ...decoderFields, architectures: ['BertForMaskedLM'] }, 'config.json');
    expect(encoder).not.toBeInstanceOf(DecoderConfig);
    expect(encoder).toBeInstanceOf(BaseConfig);
    expect(fallbackConfig({ hidden_size: 64, vocab_size: 100 }, 'config.json')).not.toBeInstanceOf(DecoderConfig);
  });
});
