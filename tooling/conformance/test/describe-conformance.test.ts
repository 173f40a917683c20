import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeConformance } from '../src/describe-conformance.js';
import { createToyPlugin, toyVocabSize } from './fixtures/toy-plugin.js';
import { writeFixturePackage } from './fixtures/write-fixture-package.js';

// The suite is registered at collection time, so the fixture package exists before any test runs.
const root = join(tmpdir(), `pio-describe-conformance-${process.pid}-${Date.now()}`);
const packageDir = join(root, 'toy');
writeFixturePackage(packageDir);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const toyConfig = {
  model_type: 'toy',
  architectures: ['ToyForCausalLM'],
  vocab_size: toyVocabSize,
  hidden_size: 8,
  num_attention_heads: 2,
  num_hidden_layers: 1,
  intermediate_size: 16,
  max_position_embeddings: 64,
};

describeConformance({
  packageDir,
  createPlugin: createToyPlugin,
  supportedConfig: toyConfig,
  roundTrip: {
    checkpoint: () => {
      const dir = join(root, 'checkpoint');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), JSON.stringify(toyConfig));
      return dir;
    },
    inputIds: [72, 105],
  },
});
