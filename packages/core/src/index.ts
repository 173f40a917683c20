export * from './config/index.js';
export type {
  ChatMessage,
  ChatOptions,
  FinishReason,
  GenerateOptions,
  GenerateTextResult,
  GenerationDelta,
  GenerationUsage,
  JsonSchema,
  Prompt,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from './contract/generation.js';
export {
  type ConfigSupport,
  type LoadedModelInfo,
  type ModelPlugin,
  type PluginFactory,
  type PluginFactoryContext,
  type PluginInitializeOptions,
  type ProgressCallback,
  type ProgressEvent,
  type SpecificationVersion,
  supportedSpecificationVersions,
} from './contract/model-plugin.js';
export {
  type CheckpointFormat,
  checkpointFormats,
  ggufArchitecturesOf,
  type PluginCompatibility,
  type PluginMetadata,
} from './contract/plugin-metadata.js';
export { type Modality, modalities, PluginType, pluginTypes } from './contract/plugin-type.js';
export {
  type DetokenizeOptions,
  isTextModelPlugin,
  type TextInferInput,
  type TextInferOutput,
  type TextModelPlugin,
  type TokenizeOptions,
} from './contract/text-model-plugin.js';
export { type CompatibilityReport, checkCompatibility } from './discovery/check-compatibility.js';
export {
  type DiscoverOptions,
  type DiscoveryProblem,
  type DiscoveryResult,
  discoverPlugins,
} from './discovery/discover-plugins.js';
export { currentHost, type HostInfo } from './discovery/host-info.js';
export * from './errors/index.js';
export { detectCheckpointFormats } from './manager/detect-checkpoint-formats.js';
export { findGgufFile } from './manager/find-gguf-file.js';
export {
  findRemoteDescriptor,
  remoteDescriptorFileName,
  remoteDescriptorSuffix,
} from './manager/find-remote-descriptor.js';
export { createPlugin, type LoadConditions, loadPlugin, resolveEntryFile } from './manager/load-plugin.js';
export { type OpenedTextModel, type OpenTextModelOptions, openTextModel } from './manager/open-text-model.js';
export {
  PluginManager,
  type PluginManagerOptions,
  type PluginRecord,
  type RegisterOptions,
} from './manager/plugin-manager.js';
export { defaultLoadConditions, processConditions } from './manager/process-conditions.js';
export { readCheckpointConfig } from './manager/read-checkpoint-config.js';
export { readGgufArchitecture } from './manager/read-gguf-architecture.js';
export { type ReadJsonObjectFileOptions, readJsonObjectFile } from './manager/read-json-object-file.js';
export { type PioEntryPoint, type PioManifest, pioManifestSchema } from './manifest/pio-manifest.js';
export { type PluginPackage, readManifest } from './manifest/read-manifest.js';
export { defaultCacheDir } from './paths/default-cache-dir.js';
export { AsyncQueue } from './stream/async-queue.js';
export { coreVersion } from './version.js';
