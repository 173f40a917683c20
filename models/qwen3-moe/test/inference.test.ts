import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeInferenceSuite } from '@pio/test-kit';
import { createQwen3MoePlugin } from '../src/index.js';

describeInferenceSuite({
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createQwen3MoePlugin,
  shapes: ['qwen3-moe-norm', 'qwen3-moe-unnorm', 'qwen3-moe-step2'],
});
