export type { PioCallOptions, PioModelSettings, PioProviderSettings } from './model-settings.js';
export { PioLanguageModel } from './pio-language-model.js';
export { createPio, type PioProvider, pio } from './pio-provider.js';
