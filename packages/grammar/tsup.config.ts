import { definePackageConfig } from '@pio/tsup-config';

export default definePackageConfig({ entry: { index: 'src/index.ts' } });
