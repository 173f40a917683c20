import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConformance } from '@pio/conformance';
import { checkpointShapes, writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll } from 'vitest';
import { createGlm4MoeLitePlugin } from './index.js';

const root = await mkdtemp(join(tmpdir(), 'pio-glm4-moe-lite-conformance-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createPlugin: createGlm4MoeLitePlugin,
  roundTrip: {
    checkpoint: async () => {
      const { description: _description, ...recipe } = checkpointShapes['glm-q-lora'];
      return (await writeRandomCheckpoint(join(root, 'model'), { ...recipe, seed: 1 })).dir;
    },
    initializeOptions: { cacheDir: join(root, 'cache') },
  },
});
