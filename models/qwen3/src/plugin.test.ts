import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConformance } from '@pio/conformance';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll } from 'vitest';
import { createQwen3Plugin } from './index.js';

const root = await mkdtemp(join(tmpdir(), 'pio-qwen3-conformance-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createPlugin: createQwen3Plugin,
  roundTrip: {
    checkpoint: async () => (await writeRandomCheckpoint(join(root, 'model'), { arch: 'qwen3', tokenizer: 'qwen3', seed: 1 })).dir,
    initializeOptions: { cacheDir: join(root, 'cache') },
  },
});
