import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GgufWeightSource } from '@pio/engine';
import { DecoderWeights, readGatedMlp } from '@pio/onnx';
import { describeGgufSuite } from '@pio/test-kit';
import { expect, it } from 'vitest';
import { createQwen3MoePlugin } from '../src/index.js';

// Every layer sparse (llama.cpp's qwen3moe has no dense layers), 8 experts top-2, grouped-query attention 4:2.
describeGgufSuite({
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createQwen3MoePlugin,
  shape: 'qwen3-moe-all-sparse',
  label: 'Qwen3-MoE',
  layoutNote: 'experts read one slice at a time from the stacked ffn_*_exps, router from ffn_gate_inp',
  extra: ({ root }) => {
    it('the experts of a Q4_0 file go into MatMulNBits as stored (blocks of 32), the router in float32', async () => {
      const source = await GgufWeightSource.open(join(root(), 'model-q4_0.gguf'), {
        numAttentionHeads: 4,
        numKeyValueHeads: 2,
        headDim: 16,
      });
      try {
        const weights = new DecoderWeights(source, { kind: 'nbits', bits: 4, blockSize: 128, symmetric: true });
        const expert = await readGatedMlp(weights, 'model.layers.2.mlp.experts.5', {
          hiddenSize: 64,
          intermediateSize: 32,
        });
        // The dtype's own quantizer would use blocks of 128 (of 64 here): 32 is the file's Q4_0 block.
        expect(expert.gateUp).toMatchObject({ groups: [{ weight: { bits: 4, blockSize: 32, N: 64, K: 64 } }] });
        expect(expert.down).toMatchObject({ groups: [{ weight: { bits: 4, blockSize: 32, N: 64, K: 32 } }] });
        expect(await source.readPrequantized('model.layers.2.mlp.gate.weight', 4)).toBeUndefined();
      } finally {
        await source.close();
      }
    });
  },
});
