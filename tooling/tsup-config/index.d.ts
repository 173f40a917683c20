import type { Options } from 'tsup';

/** Options for {@link definePackageConfig}: any tsup option, `entry` defaults to `src/index.ts`. */
export type PioTsupOptions = Options;

/** The shared tsup build of a PIO package (ESM, Node 20, `.d.ts`, source maps). */
export declare function definePackageConfig(options?: PioTsupOptions): Options;
