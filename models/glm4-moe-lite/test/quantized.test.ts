import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeQuantizedSuite } from '@pio/test-kit';
import { createGlm4MoeLitePlugin } from '../src/index.js';

describeQuantizedSuite({
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createGlm4MoeLitePlugin,
  shape: 'glm-peaky',
  label: 'GLM-4.7-Flash',
  quantizedNote: 'experts, attention projections, per-head absorbed kv_b halves and head quantized; router in float32',
});
