import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeQuantizedSuite } from '@pio/test-kit';
import { createQwen3MoePlugin } from '../src/index.js';

describeQuantizedSuite({
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createQwen3MoePlugin,
  shape: 'qwen3-moe-peaky',
  label: 'Qwen3-MoE',
  quantizedNote: 'experts and attention quantized, the router in float32',
});
