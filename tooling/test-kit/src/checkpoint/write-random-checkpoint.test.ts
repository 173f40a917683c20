import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildHfConfig,
  createRandomWeights,
  decoderWeightShapes,
  resolveDecoderShape,
  shardLimitForCount,
  tokenizerInfo,
} from '@pio/demo';
import { type TensorToWrite, writeShardedSafetensors } from '@pio/safetensors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomCheckpoint } from './write-random-checkpoint.js';

/** The SHA-256 of every weight file and index (deep-equal on multi-MB buffers is slow). */
async function weightFiles(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).filter((name) => name.includes('safetensors')).sort();
  const hash = async (name: string) =>
    createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await hash(name)])));
}

describe('writeRandomCheckpoint, tensor by tensor', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-test-kit-ckpt-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('writes the bytes of all weights made at once and written in one call, kept or not', async () => {
    const config = { tie_word_embeddings: false };
    const options = {
      arch: 'qwen3',
      seed: 7,
      dtype: 'bfloat16',
      peaky: 5,
      shards: 3,
      tokenizer: 'gpt2',
      config,
    } as const;
    const kept = await writeRandomCheckpoint(join(root, 'kept'), options);
    const dropped = await writeRandomCheckpoint(join(root, 'dropped'), { ...options, keepWeights: false });
    expect(kept.weights.size).toBeGreaterThan(0);
    expect(dropped.weights.size).toBe(0);
    expect(dropped.weightFiles).toHaveLength(4 - 1);

    // The eager path: every tensor in memory, then one writeShardedSafetensors call.
    const info = tokenizerInfo.gpt2;
    const shape = resolveDecoderShape('qwen3', buildHfConfig('qwen3', 'gpt2', 'bfloat16', config));
    const weights = createRandomWeights(shape, {
      seed: 7,
      dtype: 'bfloat16',
      peaky: 5,
      regularTokens: info.baseVocabSize,
      tokenizerVocabSize: info.tokenizerVocabSize,
    });
    expect([...kept.weights.keys()]).toEqual([...weights.keys()]);
    const shapes = decoderWeightShapes(shape);
    const tensors: Record<string, TensorToWrite> = {};
    const sizes = new Map<string, number>();
    for (const [name, data] of weights) {
      tensors[name] = { dtype: 'BF16', shape: shapes.get(name)!, data };
      sizes.set(name, data.length * 2);
    }
    await writeShardedSafetensors(join(root, 'eager'), tensors, {
      maxShardBytes: shardLimitForCount(sizes, 3),
      metadata: { format: 'pt' },
    });
    const eager = await weightFiles(join(root, 'eager'));
    expect(Object.keys(eager)).toHaveLength(4);
    expect(await weightFiles(join(root, 'dropped'))).toEqual(eager);
    expect(await weightFiles(join(root, 'kept'))).toEqual(eager);
  });
});
