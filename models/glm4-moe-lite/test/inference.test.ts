import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeInferenceSuite } from '@pio/test-kit';
import { createGlm4MoeLitePlugin } from '../src/index.js';

describeInferenceSuite({
  packageDir: dirname(dirname(fileURLToPath(import.meta.url))),
  createPlugin: createGlm4MoeLitePlugin,
  shapes: ['glm-q-lora', 'glm-q-direct', 'glm-rope-yarn', 'glm-grouped'],
});
