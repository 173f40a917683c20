import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoModelForCausalLM, AutoTokenizer, env, type Tensor } from '@huggingface/transformers';
import { exportTransformersJsFolder } from '@pio/engine';
import {
  createPackagePlugin,
  type RandomCheckpoint,
  referenceForward,
  referenceGreedy,
  writeRandomCheckpoint,
} from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaPlugin, llamaDefinition } from '../src/index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const prompt = 'The quick brown fox jumps over the lazy dog, and then';
const newTokens = 16;
let root: string;
let checkpoint: RandomCheckpoint;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-llama-transformers-js-'));
  // GQA 4:2, untied, with attention biases: every optional path of the Llama graph, on the small GPT-2 vocabulary.
  checkpoint = await writeRandomCheckpoint(join(root, 'checkpoint'), {
    arch: 'llama',
    tokenizer: 'gpt2',
    config: { attention_bias: true },
    seed: 21,
  });
  env.allowRemoteModels = false;
  env.localModelPath = root;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Loads `root/<name>` with transformers.js and checks its logits and greedy tokens against the reference. */
async function checkWithTransformersJs(name: string): Promise<void> {
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  const model = await AutoModelForCausalLM.from_pretrained(name);
  try {
    const inputs = tokenizer(prompt);
    const ids = Array.from(inputs.input_ids.data as BigInt64Array, Number);
    expect(ids.length).toBeGreaterThan(8);
    const { arch, config, weights } = checkpoint;

    const { logits } = (await model(inputs)) as { logits: Tensor };
    expect(logits.dims).toEqual([1, ids.length, config.vocab_size]);
    const expected = referenceForward(arch, config, weights, ids);
    expect(maxAbsDiff(logits.data as Float32Array, expected)).toBeLessThan(1e-4);

    const greedy = referenceGreedy(arch, config, weights, ids, newTokens);
    // Clear-cut choices, and no end-of-text token that would stop transformers.js early.
    expect(Math.min(...greedy.margins)).toBeGreaterThan(1e-3);
    expect(greedy.tokens).not.toContain(config.eos_token_id);
    const generated = (await model.generate({ ...inputs, max_new_tokens: newTokens, do_sample: false })) as Tensor;
    expect(Array.from(generated.data as BigInt64Array, Number)).toEqual([...ids, ...greedy.tokens]);
  } finally {
    await model.dispose();
  }
}

describe('export to a folder transformers.js loads', () => {
  it('writes onnx/model.onnx with inline weights, config, generation config and tokenizer files', async () => {
    const exported = await exportTransformersJsFolder({
      definition: llamaDefinition,
      checkpoint: checkpoint.dir,
      outDir: join(root, 'inline'),
    });
    expect(exported.externalData).toBe(false);
    expect(exported.files.sort()).toEqual(
      ['config.json', 'generation_config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    expect(await readdir(join(root, 'inline', 'onnx'))).toEqual(['model.onnx']);
    const config = JSON.parse(await readFile(join(root, 'inline', 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toEqual({ ...checkpoint.config, 'transformers.js_config': { dtype: 'fp32' } });
    await checkWithTransformersJs('inline');
  });

  it('through the plugin, with weights in onnx/model.onnx_data: transformers.js loads them too', async () => {
    const plugin = await createPackagePlugin(packageDir, createLlamaPlugin);
    // Runtime options do not reach the export: it is built from config.json, in float32, for every position.
    await plugin.initialize({
      checkpoint: checkpoint.dir,
      cacheDir: join(root, 'cache'),
      runtime: { maxContextLength: 32, dtype: 'int4' },
    });
    try {
      const exported = await plugin.exportTransformersJs(join(root, 'external'), { externalData: true });
      expect(exported.externalData).toBe(true);
      expect((await readdir(join(root, 'external', 'onnx'))).sort()).toEqual(['model.onnx', 'model.onnx_data']);
      const config = JSON.parse(await readFile(join(root, 'external', 'config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(config['transformers.js_config']).toEqual({ dtype: 'fp32', use_external_data_format: true });
    } finally {
      await plugin.cleanup();
    }
    await checkWithTransformersJs('external');
  });
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
