import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bitsOf, randomValues, temporaryFolder } from '../test/helpers.js';
import { bfloat16ToFloat32, float32ToBfloat16 } from './bfloat16.js';
import { MissingTensorError } from './errors/missing-tensor-error.js';
import { TensorShapeError } from './errors/tensor-shape-error.js';
import { WeightFileError } from './errors/weight-file-error.js';
import { openCheckpointWeights } from './open-checkpoint-weights.js';
import { type TensorToWrite, writeSafetensors } from './write-safetensors.js';
import { writeShardedSafetensors } from './write-sharded-safetensors.js';

let root: string;
beforeAll(async () => {
  root = await temporaryFolder();
});

/** A tiny Llama-like checkpoint: 2 layers, hidden 8, intermediate 16, vocab 32. */
function llamaTensors(): Record<string, TensorToWrite> {
  const tensors: Record<string, TensorToWrite> = {};
  let seed = 1;
  const add = (name: string, shape: number[], dtype: TensorToWrite['dtype'] = 'BF16') => {
    const count = shape.reduce((a, b) => a * b, 1);
    tensors[name] = { dtype, shape, data: randomValues(count, seed++) };
  };
  add('model.embed_tokens.weight', [32, 8]);
  for (const layer of [0, 1]) {
    const prefix = `model.layers.${layer}`;
    add(`${prefix}.input_layernorm.weight`, [8], 'F32');
    add(`${prefix}.self_attn.q_proj.weight`, [8, 8]);
    add(`${prefix}.self_attn.k_proj.weight`, [4, 8]);
    add(`${prefix}.self_attn.v_proj.weight`, [4, 8]);
    add(`${prefix}.self_attn.o_proj.weight`, [8, 8]);
    add(`${prefix}.mlp.gate_proj.weight`, [16, 8], 'F16');
    add(`${prefix}.mlp.up_proj.weight`, [16, 8], 'F16');
    add(`${prefix}.mlp.down_proj.weight`, [8, 16], 'F16');
  }
  add('model.norm.weight', [8], 'F32');
  add('lm_head.weight', [32, 8]);
  return tensors;
}

async function expectFailure<T>(promise: Promise<unknown>, isInstance: (error: unknown) => error is T): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isInstance(error), String(error)).toBe(true);
  return error as T;
}

describe('openCheckpointWeights on a single model.safetensors', () => {
  it('lists, describes and reads every tensor', async () => {
    const dir = join(root, 'single');
    const tensors = llamaTensors();
    await writeShardedSafetensors(dir, tensors, { maxShardBytes: 1 << 30 });
    await using store = await openCheckpointWeights(dir);
    expect(store.files).toEqual([join(dir, 'model.safetensors')]);
    expect(store.tensorNames()).toEqual(Object.keys(tensors).sort());
    expect(store.totalBytes).toBe(32 * 8 * 2 * 2 + 2 * (8 * 4 + (64 + 32 + 32 + 64) * 2 + 3 * 128 * 2) + 8 * 4);
    expect(store.has('lm_head.weight')).toBe(true);
    expect(await store.info('model.layers.1.mlp.down_proj.weight')).toEqual({
      dtype: 'F16',
      shape: [8, 16],
      byteLength: 256,
    });
    const norm = tensors['model.norm.weight']!.data;
    expect(bitsOf(await store.read('model.norm.weight'))).toEqual(bitsOf(norm));
    const head = tensors['lm_head.weight']!.data;
    expect(bitsOf(await store.read('lm_head.weight'))).toEqual(bitsOf(bfloat16ToFloat32(float32ToBfloat16(head))));
    expect((await store.readRaw('lm_head.weight')).byteLength).toBe(32 * 8 * 2);
  });

  it('also opens a .safetensors file given directly', async () => {
    const file = join(root, 'single', 'model.safetensors');
    await using store = await openCheckpointWeights(file);
    expect(store.files).toEqual([file]);
    expect(store.tensorNames()).toHaveLength(19);
  });
});

describe('openCheckpointWeights on a sharded checkpoint', () => {
  let dir: string;
  const tensors = llamaTensors();
  beforeAll(async () => {
    dir = join(root, 'sharded');
    await writeShardedSafetensors(dir, tensors, { maxShardBytes: 600 });
  });

  it('reads every tensor back through the index', async () => {
    await using store = await openCheckpointWeights(dir);
    expect(store.source).toBe(join(dir, 'model.safetensors.index.json'));
    expect(store.files.length).toBeGreaterThan(3);
    expect(store.tensorNames()).toEqual(Object.keys(tensors).sort());
    const index = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8'));
    expect(store.totalBytes).toBe(index.metadata.total_size);
    await store.validate();
    for (const [name, tensor] of Object.entries(tensors)) {
      const read = await store.read(name);
      expect(read.length).toBe(tensor.data.length);
      expect(store.fileOf(name)).toBe(join(dir, index.weight_map[name]));
      if (tensor.dtype === 'F32') expect(bitsOf(read)).toEqual(bitsOf(tensor.data));
    }
  });

  it('opens a shard only when one of its tensors is needed', async () => {
    await using store = await openCheckpointWeights(dir);
    expect(store.bytesRead).toBe(0);
    await store.info('model.norm.weight');
    const headerBytes = store.bytesRead;
    expect(headerBytes).toBeGreaterThan(8);
    expect(headerBytes).toBeLessThan(1000);
    await store.read('model.norm.weight');
    expect(store.bytesRead).toBe(headerBytes + 32);
  });

  it('also opens the index file given directly', async () => {
    await using store = await openCheckpointWeights(join(dir, 'model.safetensors.index.json'));
    expect(store.tensorNames()).toHaveLength(19);
  });

  it('names similar tensors when one is missing', async () => {
    await using store = await openCheckpointWeights(dir);
    const error = await expectFailure(
      store.read('model.layers.2.self_attn.q_proj.weight'),
      MissingTensorError.isInstance,
    );
    expect(error.file).toBe(join(dir, 'model.safetensors.index.json'));
    expect(error.similar.slice(0, 2)).toEqual([
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.1.self_attn.q_proj.weight',
    ]);
    expect(error.message).toContain(
      `Tensor "model.layers.2.self_attn.q_proj.weight" is not in ${join(dir, 'model.safetensors.index.json')}. Tensors with a similar name: "model.layers.0.self_attn.q_proj.weight"`,
    );
    expect(() => store.fileOf('nope')).toThrow(MissingTensorError);
  });

  it('fails clearly after close', async () => {
    const store = await openCheckpointWeights(dir);
    await store.read('lm_head.weight');
    await store.close();
    await store.close();
    await expect(store.read('lm_head.weight')).rejects.toThrow('the checkpoint weights were already closed.');
    await expect(store.read('model.norm.weight')).rejects.toThrow('the checkpoint weights were already closed.');
  });
});

describe('expectShape', () => {
  it('returns the info when the shape matches', async () => {
    await using store = await openCheckpointWeights(join(root, 'single'));
    expect(await store.expectShape('model.layers.0.self_attn.k_proj.weight', [4, 8])).toEqual({
      dtype: 'BF16',
      shape: [4, 8],
      byteLength: 64,
    });
  });

  it('names the file, the tensor and both shapes when they differ', async () => {
    await using store = await openCheckpointWeights(join(root, 'single'));
    const error = await expectFailure(
      store.expectShape('model.layers.0.self_attn.k_proj.weight', [8, 8]),
      TensorShapeError.isInstance,
    );
    const file = join(root, 'single', 'model.safetensors');
    expect(error).toMatchObject({
      code: 'PIO_WEIGHTS_SHAPE_MISMATCH',
      file,
      tensor: 'model.layers.0.self_attn.k_proj.weight',
      found: [4, 8],
      expected: [8, 8],
    });
    expect(error.message).toBe(
      `Tensor "model.layers.0.self_attn.k_proj.weight" in ${file} has shape [4, 8] but [8, 8] was expected: the checkpoint does not match its config.json.\n` +
        'Use the config.json that came with these weights, or re-export the checkpoint with save_pretrained so weights and config agree.',
    );
    await expect(store.expectShape('model.norm.weight', [8, 1])).rejects.toThrow(
      'has shape [8] but [8, 1] was expected',
    );
  });
});

describe('openCheckpointWeights on a folder of several files without an index', () => {
  it('merges their tensors', async () => {
    const dir = join(root, 'multi');
    await mkdir(dir);
    await writeSafetensors(join(dir, 'b.safetensors'), {
      y: { dtype: 'F32', shape: [1], data: new Float32Array([2]) },
    });
    await writeSafetensors(join(dir, 'a.safetensors'), {
      x: { dtype: 'F16', shape: [2], data: new Float32Array([1, 3]) },
    });
    await using store = await openCheckpointWeights(dir);
    expect(store.tensorNames()).toEqual(['x', 'y']);
    expect(store.totalBytes).toBe(8);
    expect([...(await store.read('x'))]).toEqual([1, 3]);
    expect([...(await store.read('y'))]).toEqual([2]);
  });

  it('rejects a tensor found in two files, naming both', async () => {
    const dir = join(root, 'duplicates');
    await mkdir(dir);
    const tensor = { w: { dtype: 'F32' as const, shape: [1], data: new Float32Array(1) } };
    await writeSafetensors(join(dir, 'model-a.safetensors'), tensor);
    await writeSafetensors(join(dir, 'model-b.safetensors'), tensor);
    const error = await expectFailure(openCheckpointWeights(dir), WeightFileError.isInstance);
    expect(error).toMatchObject({ code: 'PIO_WEIGHTS_INVALID', file: join(dir, 'model-b.safetensors'), tensor: 'w' });
    expect(error.message).toContain(
      `Invalid weights in ${join(dir, 'model-b.safetensors')}, tensor "w": model-a.safetensors in the same folder holds a tensor of the same name, and no model.safetensors.index.json says which one to use.`,
    );
  });

  it('follows symlinks, as in the Hugging Face cache (snapshots linking to blobs)', async () => {
    const cache = join(root, 'hub');
    const blobs = join(cache, 'blobs');
    const snapshot = join(cache, 'snapshots', 'abc123');
    const { files, indexFile } = await writeShardedSafetensors(blobs, llamaTensors(), { maxShardBytes: 600 });
    await mkdir(snapshot, { recursive: true });
    for (const file of [...files, indexFile!]) await symlink(file, join(snapshot, basename(file)));
    await using store = await openCheckpointWeights(snapshot);
    expect(store.tensorNames()).toHaveLength(19);
    expect(store.fileOf('lm_head.weight').startsWith(snapshot)).toBe(true);
    expect((await store.read('lm_head.weight')).length).toBe(256);
  });

  it('prefers model.safetensors over an index, as transformers does', async () => {
    const dir = join(root, 'both');
    await writeShardedSafetensors(dir, llamaTensors(), { maxShardBytes: 600 });
    await writeSafetensors(join(dir, 'model.safetensors'), {
      only: { dtype: 'F32', shape: [1], data: new Float32Array(1) },
    });
    await using store = await openCheckpointWeights(dir);
    expect(store.tensorNames()).toEqual(['only']);
  });
});

describe('openCheckpointWeights errors', () => {
  it('reports a path that does not exist', async () => {
    const missing = join(root, 'nowhere');
    const error = await expectFailure(openCheckpointWeights(missing), WeightFileError.isInstance);
    expect(error.message).toBe(
      `Invalid weights in ${missing}: it does not exist.\nPoint at a Hugging Face checkpoint folder, a .safetensors file or a model.safetensors.index.json.`,
    );
  });

  it('reports a folder without safetensors weights, mentioning pickle weights', async () => {
    const dir = join(root, 'pickles');
    await mkdir(dir);
    await writeFile(join(dir, 'config.json'), '{}');
    await expect(openCheckpointWeights(dir)).rejects.toThrow(
      `Invalid weights in ${dir}: the folder holds no model.safetensors, no model.safetensors.index.json and no other .safetensors file.\nDownload the checkpoint again`,
    );
    await writeFile(join(dir, 'pytorch_model.bin'), 'pickle');
    await expect(openCheckpointWeights(dir)).rejects.toThrow(
      'It has PyTorch pickle weights (pytorch_model.bin), which PIO does not load: convert them with save_pretrained(..., safe_serialization=True).',
    );
  });

  it('reports a missing shard before opening anything', async () => {
    const dir = join(root, 'missing-shard');
    const { files } = await writeShardedSafetensors(dir, llamaTensors(), { maxShardBytes: 600 });
    await rm(files[1]!);
    const error = await expectFailure(openCheckpointWeights(dir), WeightFileError.isInstance);
    expect(error.file).toBe(files[1]);
    expect(error.message).toBe(
      `Invalid weights in ${files[1]}: this shard does not exist, but the index ${join(dir, 'model.safetensors.index.json')} lists it.\n` +
        'The download is incomplete: download the missing shard files again (or the whole checkpoint).',
    );
    await rm(files[2]!);
    await expect(openCheckpointWeights(dir)).rejects.toThrow(`2 shards do not exist, but the index`);
  });

  it('reports an index that maps a tensor to a shard without it', async () => {
    const dir = join(root, 'index-lies');
    const { files, indexFile } = await writeShardedSafetensors(dir, llamaTensors(), { maxShardBytes: 600 });
    const index = JSON.parse(await readFile(indexFile!, 'utf8'));
    index.weight_map['model.layers.9.mlp.up_proj.weight'] = index.weight_map['lm_head.weight'];
    await writeFile(indexFile!, JSON.stringify(index));
    await using store = await openCheckpointWeights(dir);
    expect(store.has('model.layers.9.mlp.up_proj.weight')).toBe(true);
    const shard = store.fileOf('lm_head.weight');
    expect(files).toContain(shard);
    const error = await expectFailure(store.read('model.layers.9.mlp.up_proj.weight'), WeightFileError.isInstance);
    expect(error).toMatchObject({ file: shard, tensor: 'model.layers.9.mlp.up_proj.weight' });
    expect(error.message).toContain(
      `Invalid weights in ${shard}, tensor "model.layers.9.mlp.up_proj.weight": the index ${indexFile} says this shard holds the tensor, but ${shard.split('/').pop()} has no such tensor`,
    );
    expect(error.message).toContain('re-download the checkpoint, or re-export it with save_pretrained.');
    await expect(store.validate()).rejects.toThrow('has no such tensor');
    expect([...(await store.read('lm_head.weight'))]).toHaveLength(256);
  });

  it('reports a malformed index', async () => {
    const dir = join(root, 'bad-index');
    await mkdir(dir);
    const indexFile = join(dir, 'model.safetensors.index.json');
    const cases: [string, string][] = [
      ['{"weight_map": {', 'the index is not valid JSON ('],
      ['[]', 'the index must hold a JSON object with "metadata" and "weight_map".'],
      ['{"metadata": {}}', 'the index has no "weight_map" object mapping tensor names to shard files.'],
      ['{"weight_map": {}}', 'its "weight_map" lists no tensors.'],
      [
        '{"metadata": {"total_size": "big"}, "weight_map": {"w": "a.safetensors"}}',
        'its "metadata.total_size" is "big", not a byte count.',
      ],
      [
        '{"weight_map": {"w": "../elsewhere.safetensors"}}',
        'tensor "w": its "weight_map" entry is "../elsewhere.safetensors", not the name of a shard file next to the index.',
      ],
      ['{"weight_map": {"w": 3}}', 'its "weight_map" entry is 3'],
    ];
    for (const [text, message] of cases) {
      await writeFile(indexFile, text);
      const error = await expectFailure(openCheckpointWeights(dir), WeightFileError.isInstance);
      expect(error.file).toBe(indexFile);
      expect(error.message).toContain(`Invalid weights in ${indexFile}`);
      expect(error.message).toContain(message);
    }
  });
});
