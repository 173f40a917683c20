export { CheckpointError } from './checkpoint-error.js';
export { ConfigError, type ConfigIssue } from './config-error.js';
export { type CompatibilityIssue, IncompatiblePluginError } from './incompatible-plugin-error.js';
export { ManifestError, type ManifestIssue } from './manifest-error.js';
export { type InstalledPluginSummary, NoPluginForCheckpointError } from './no-plugin-for-checkpoint-error.js';
export { PioError, type PioErrorOptions } from './pio-error.js';
export { PluginLoadError } from './plugin-load-error.js';
export { PluginStateError } from './plugin-state-error.js';
