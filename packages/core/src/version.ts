import packageJson from '../package.json' with { type: 'json' };

/** The version of this `@pio/core`, checked against plugins' `compatibility.core` ranges. */
export const coreVersion: string = packageJson.version;
