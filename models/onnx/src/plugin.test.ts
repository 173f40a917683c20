import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConformance } from '@pio/conformance';
import { exportTransformersJsFolder } from '@pio/engine';
import { llamaDefinition } from '@pio/model-llama';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll } from 'vitest';
import { createOnnxPlugin } from './index.js';

const root = await mkdtemp(join(tmpdir(), 'pio-onnx-conformance-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createPlugin: createOnnxPlugin,
  roundTrip: {
    // A transformers.js folder exported from a random Llama checkpoint.
    checkpoint: async () => {
      const checkpoint = await writeRandomCheckpoint(join(root, 'model'), {
        arch: 'llama',
        tokenizer: 'gpt2',
        seed: 1,
      });
      return (
        await exportTransformersJsFolder({
          definition: llamaDefinition,
          checkpoint: checkpoint.dir,
          outDir: join(root, 'onnx-folder'),
        })
      ).dir;
    },
    initializeOptions: { cacheDir: join(root, 'cache') },
  },
});
