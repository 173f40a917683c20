import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeInferenceSuite } from '@pio/test-kit';
import { createLlamaPlugin } from '../src/index.js';

describeInferenceSuite({
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createLlamaPlugin,
  shapes: [
    'llama-kv1',
    'llama-kv2',
    'llama-kv4',
    'llama-tied',
    'llama-head-dim',
    'llama-rope-llama3',
    'llama-rope-linear',
    'llama-bias',
    'llama-bf16',
    'llama-sharded',
    'llama-peaky',
    'qwen2-kv2',
    'qwen2-untied-kv4',
  ],
});
