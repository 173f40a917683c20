export {
  type ArchitectureFields,
  type BaseConfigFields,
  type Dtype,
  defaultContextLengthCap,
  dtypes,
  type ExecutionProvider,
  executionProviders,
  type RopeScaling,
  type RuntimeFields,
} from './base-config-schema.js';
export {
  BaseConfig,
  type ConfigSchema,
  type ConfigSourceOptions,
  defineConfigSchema,
  type HuggingFaceKeyMap,
} from './base-config.js';
