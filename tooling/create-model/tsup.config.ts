import { definePackageConfig } from '@pio/tsup-config';

// cli.ts is the `pio-create-model` bin; its shebang is kept and the file made executable.
export default definePackageConfig({ entry: ['src/index.ts', 'src/cli.ts'] });
