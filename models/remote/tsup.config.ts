import { definePackageConfig } from '@pio/tsup-config';

export default definePackageConfig();
