import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeQuantizedSuite } from '@pio/test-kit';
import { expect, it } from 'vitest';
import { createLlamaPlugin } from '../src/index.js';

describeQuantizedSuite({
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createLlamaPlugin,
  shape: 'llama-peaky',
  label: 'Llama',
  checkpointSeed: 11,
  promptSeed: 77,
  // Runs after the suite's int4 and int8 builds (tests in a file run in order) and reuses their cache folder.
  extra: ({ cacheDir, checkpoint, expected, prompt, start }) => {
    it('keeps one build per dtype, and later starts of both come from the cache', async () => {
      const weightBytes: Record<string, number> = {};
      const builds = await readdir(join(cacheDir(), 'builds'));
      expect(builds).toHaveLength(2);
      expect(builds.some((name) => name.startsWith('.tmp-'))).toBe(false);

      for (const dtype of ['int4', 'int8'] as const) {
        const { plugin, phases } = await start(dtype);
        try {
          // No graph was built: the start read the cached build.
          expect(phases.has('build-graph')).toBe(false);
          expect(phases.has('create-session')).toBe(true);
          const reloaded = await plugin.loadModel();
          expect(reloaded.fromCache).toBe(true);
          expect(reloaded.config.dtype).toBe(dtype);
          weightBytes[dtype] = reloaded.weightBytes;
          const result = await plugin.generateText({ inputIds: prompt() }, { maxNewTokens: 8 });
          expect(result.ids).toEqual(expected().slice(0, 8));
        } finally {
          await plugin.cleanup();
        }
      }
      expect((await readdir(join(cacheDir(), 'builds'))).sort()).toEqual(builds.sort());
      // 4-bit weights take about half the bytes of 8-bit ones (plus the fp32 embedding both keep).
      expect(weightBytes.int4!).toBeLessThan(weightBytes.int8!);
      const fp32Bytes = checkpoint().weightBytes;
      expect(weightBytes.int8!).toBeLessThan(fp32Bytes);
    });
  },
});
