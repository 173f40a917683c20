import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConformance } from '@pio/conformance';
import { writeRandomCheckpoint } from '@pio/test-kit';
import { afterAll } from 'vitest';
import { createLlamaPlugin } from './index.js';

const root = await mkdtemp(join(tmpdir(), 'pio-llama-conformance-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createPlugin: createLlamaPlugin,
  roundTrip: {
    checkpoint: async () => (await writeRandomCheckpoint(join(root, 'model'), { arch: 'llama', tokenizer: 'gpt2', seed: 1 })).dir,
    initializeOptions: { cacheDir: join(root, 'cache') },
  },
});
