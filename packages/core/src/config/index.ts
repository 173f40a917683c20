export {
  BaseConfig,
  baseConfigLayer,
  type ConfigLayer,
  type ConfigSchema,
  type ConfigSourceOptions,
  composeConfigSchema,
  defineConfigSchema,
  type HuggingFaceKeyMap,
} from './base-config.js';
export {
  type BaseConfigFields,
  type Dtype,
  defaultContextLengthCap,
  dtypes,
  type ExecutionProvider,
  executionProviders,
  type ModelFields,
  type RuntimeFields,
} from './base-config-schema.js';
export { DecoderConfig, decoderConfigLayer, defineDecoderConfigSchema } from './decoder-config.js';
export type { DecoderConfigFields, DecoderFields, RopeScaling } from './decoder-config-schema.js';
