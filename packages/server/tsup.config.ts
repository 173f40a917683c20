import { definePackageConfig } from '@pio/tsup-config';

// The worker is its own entry: `new Worker()` loads dist/model-worker.js next to dist/index.js.
export default definePackageConfig({ entry: ['src/index.ts', 'src/model-worker.ts'] });
