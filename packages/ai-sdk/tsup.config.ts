import { definePackageConfig } from '@pio/tsup-config';

export default definePackageConfig({ entry: ['src/index.ts'] });
