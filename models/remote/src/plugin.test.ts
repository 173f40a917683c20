import { fileURLToPath } from 'node:url';
import { describeConformance } from '@pio/conformance';
import { createRemotePlugin } from './index.js';

// The round trip of the suite needs logits and a tokenizer, which the OpenAI
// protocol does not give; test/*.test.ts run the plugin against real servers.
describeConformance({
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createPlugin: createRemotePlugin,
  supportedConfig: { baseUrl: 'http://127.0.0.1:8000/v1', model: 'tiny' },
});
