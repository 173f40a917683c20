import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeGgufSuite } from '@pio/test-kit';
import { createQwen3Plugin } from '../src/index.js';

// Grouped-query attention 4:2, per-head q/k norms; Qwen3 GGUFs keep Hugging Face's q/k row order.
describeGgufSuite({
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createQwen3Plugin,
  shape: 'qwen3-kv2',
  label: 'Qwen3',
  layoutNote: 'q/k norms mapped, rows not permuted',
});
