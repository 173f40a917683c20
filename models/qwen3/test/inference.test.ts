import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeInferenceSuite } from '@pio/test-kit';
import { createQwen3Plugin } from '../src/index.js';

describeInferenceSuite({
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createQwen3Plugin,
  shapes: [
    'qwen3-kv1',
    'qwen3-kv2',
    'qwen3-kv4',
    'qwen3-untied',
    'qwen3-head-dim',
    'qwen3-rope-llama3',
    'qwen3-rope-yarn',
    'qwen3-bf16',
    'qwen3-sharded',
  ],
});
