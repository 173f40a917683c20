import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GgufFile, GgufFileError, type GgufTensorToWrite, type GgufValue, writeGgufFile } from '@pio/gguf';
import { openCheckpointWeights, TensorShapeError } from '@pio/safetensors';
import { checkpointShapes, writeGgufCheckpoint, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ggufHuggingFaceConfig } from './gguf-config.js';
import { GgufWeightSource } from './gguf-weight-source.js';
import { openGgufCheckpoint } from './open-gguf-checkpoint.js';

const root = await mkdtemp(join(tmpdir(), 'pio-gguf-moe-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let dir: string;
const layout = { numAttentionHeads: 4, numKeyValueHeads: 2, headDim: 16 };
const expertNames = ['gate', 'up', 'down'].flatMap((projection) =>
  [0, 3, 7].map((expert) => `model.layers.1.mlp.experts.${expert}.${projection}_proj.weight`),
);

beforeAll(async () => {
  const { description: _description, ...recipe } = checkpointShapes['qwen3-moe-all-sparse'];
  dir = (await writeRandomCheckpoint(join(root, 'hf'), { ...recipe, seed: 8 })).dir;
  for (const type of ['F32', 'Q8_0', 'Q4_0'] as const) await writeGgufCheckpoint(dir, join(root, `${type}.gguf`), type);
});

/** A copy of a GGUF file with metadata keys dropped and tensors replaced. */
async function editGguf(
  source: string,
  target: string,
  edit: { dropKeys?: string[]; tensor?: (tensor: GgufTensorToWrite) => GgufTensorToWrite },
): Promise<void> {
  const file = await GgufFile.open(source);
  try {
    const metadata: Record<string, GgufValue> = {};
    for (const [key, value] of file.metadata.entries) {
      if (key !== 'general.alignment' && !edit.dropKeys?.includes(key)) metadata[key] = value;
    }
    const tensors = file.tensors.map((info) => {
      const tensor: GgufTensorToWrite = {
        name: info.name,
        type: info.type,
        shape: info.shape,
        data: async () => (await file.readTensorBytes(info.name)).bytes,
      };
      return edit.tensor ? edit.tensor(tensor) : tensor;
    });
    await writeGgufFile(target, { metadata, tensors });
  } finally {
    await file.close();
  }
}

describe('qwen3moe GGUF files', () => {
  it('synthesize a Qwen3MoeForCausalLM config.json: experts, top-k, expert width, every layer sparse, renormalized', async () => {
    const { config } = await openGgufCheckpoint(join(root, 'Q8_0.gguf'));
    expect(config).toMatchObject({
      architectures: ['Qwen3MoeForCausalLM'],
      model_type: 'qwen3_moe',
      hidden_size: 64,
      num_hidden_layers: 3,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 16,
      num_experts: 8,
      num_experts_per_tok: 2,
      moe_intermediate_size: 32,
      norm_topk_prob: true,
      decoder_sparse_step: 1,
      mlp_only_layers: [],
      tie_word_embeddings: false,
    });
  });

  it('read one expert as its slice of the stack: the safetensors values, and MatMulNBits bytes that equal the dequantized slice', async () => {
    const weights = await openCheckpointWeights(dir);
    const float = await GgufWeightSource.open(join(root, 'F32.gguf'), layout);
    try {
      for (const name of [...expertNames, 'model.layers.2.mlp.gate.weight']) {
        expect(float.has(name), name).toBe(true);
        expect(await float.read(name), name).toEqual(await weights.read(name));
      }
      await float.expectShape('model.layers.0.mlp.experts.2.down_proj.weight', [64, 32]);
      // The router stays F32 in every file (as llama.cpp keeps it): never handed over in MatMulNBits layout.
      expect(await float.readPrequantized('model.layers.0.mlp.gate.weight', 8)).toBeUndefined();
    } finally {
      await weights.close();
      await float.close();
    }
    for (const [type, bits] of [
      ['Q8_0', 8],
      ['Q4_0', 4],
    ] as const) {
      const source = await GgufWeightSource.open(join(root, `${type}.gguf`), layout);
      try {
        for (const name of expertNames) {
          const weight = await source.readPrequantized(name, bits);
          expect(weight, `${type} ${name}`).toMatchObject({ bits, blockSize: 32 });
          expect(weight!.N * weight!.K).toBe(64 * 32);
          expect(dequantized(weight!)).toEqual(await source.read(name));
        }
        expect(await source.readPrequantized('model.layers.0.mlp.gate.weight', bits)).toBeUndefined();
      } finally {
        await source.close();
      }
    }
  });

  it('without an expert_count key: GgufFileError naming the file and the key', async () => {
    const file = join(root, 'no-expert-count.gguf');
    await editGguf(join(root, 'F32.gguf'), file, { dropKeys: ['qwen3moe.expert_count'] });
    const error = await openGgufCheckpoint(file).catch((e: unknown) => e);
    expect(GgufFileError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'missing-metadata', entry: 'qwen3moe.expert_count' });
    expect((error as Error).message).toContain('no-expert-count.gguf');
    const gguf = await GgufFile.open(file);
    try {
      expect(() => ggufHuggingFaceConfig(gguf)).toThrow(/qwen3moe\.expert_count/);
    } finally {
      await gguf.close();
    }
  });

  it('a stacked expert tensor of the wrong shape (an expert short, or in the wrong orientation): TensorShapeError naming file, tensor and both shapes', async () => {
    const cases = [
      { label: 'short', shape: [7, 32, 64], drop: 1 },
      { label: 'transposed', shape: [8, 64, 32], drop: 0 },
    ];
    for (const { label, shape, drop } of cases) {
      const file = join(root, `${label}.gguf`);
      await editGguf(join(root, 'F32.gguf'), file, {
        tensor: (tensor) =>
          tensor.name === 'blk.1.ffn_up_exps.weight'
            ? {
                ...tensor,
                shape,
                data: async () => {
                  const bytes = (await tensor.data()) as Uint8Array;
                  return bytes.subarray(0, (bytes.length / 8) * (8 - drop));
                },
              }
            : tensor,
      });
      const source = await GgufWeightSource.open(file, layout);
      try {
        const name = 'model.layers.1.mlp.experts.7.up_proj.weight';
        expect(source.has(name)).toBe(true);
        const error = await source.expectShape(name, [32, 64]).catch((e: unknown) => e);
        expect(TensorShapeError.isInstance(error), label).toBe(true);
        const message = (error as Error).message;
        expect(message).toContain(`${label}.gguf`);
        expect(message).toContain('blk.1.ffn_up_exps.weight, expert 7');
        expect(message).toContain(`[${shape.join(', ')}]`);
        expect(message).toContain('[8, 32, 64]');
      } finally {
        await source.close();
      }
    }
  });
});

/** What MatMulNBits multiplies by, `[N, K]` row-major, for symmetric weights (default zero point). */
function dequantized(weight: {
  N: number;
  K: number;
  bits: number;
  blockSize: number;
  packed: Uint8Array;
  scales: Float32Array;
}): Float32Array {
  const { N, K, bits, blockSize, packed, scales } = weight;
  const kBlocks = K / blockSize;
  const blob = (blockSize * bits) / 8;
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let block = 0; block < kBlocks; block++) {
      const base = (n * kBlocks + block) * blob;
      for (let j = 0; j < blockSize; j++) {
        const q = bits === 8 ? packed[base + j]! : (packed[base + (j >> 1)]! >> ((j & 1) * 4)) & 15;
        out[n * K + block * blockSize + j] = Math.fround((q - (1 << (bits - 1))) * scales[n * kBlocks + block]!);
      }
    }
  }
  return out;
}
