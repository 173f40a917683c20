import type { Modality, PluginType } from './plugin-type.js';

/**
 * What the host requires of its environment before it loads a plugin
 * (the manifest's `compatibility` key).
 */
export interface PluginCompatibility {
  /** Semver range of `@pio/core` the plugin was built against, for example `^0.1.0`. */
  core: string;
  /** Semver range of Node.js, for example `>=20`. */
  node?: string;
  /** Semver range of `onnxruntime-node`, checked when the plugin can resolve it. */
  onnxruntime?: string;
  /** Minimum total system memory in GiB; a host with less gets a warning. */
  minMemoryGb?: number;
}

/**
 * Everything known about a plugin before its code runs: the `pio` manifest
 * plus name and version from its package.json. The TypeScript form of the
 * seed's `ModelPluginMetadata`.
 */
export interface PluginMetadata {
  /** npm package name, for example `@pio/model-llama`. */
  name: string;
  /** npm package version. */
  version: string;
  /** What kind of component it is. */
  type: PluginType;
  /** A human name, for example `Llama`. */
  displayName: string;
  /** One or two sentences on what it runs. */
  description: string;
  /** Who maintains it. */
  author: string;
  /** SPDX license of the plugin code (model weights carry their own). */
  license: string;
  /** Hugging Face `architectures` values it handles, for example `LlamaForCausalLM`. */
  architectures: readonly string[];
  /** Hugging Face `model_type` values it handles, for example `llama`. */
  modelTypes: readonly string[];
  /**
   * Weight formats of the checkpoint folders it runs: `safetensors` (Hugging
   * Face weights, built into graphs) or `onnx` (an exported `onnx/*.onnx`
   * folder, as transformers.js uses) or `gguf` (a llama.cpp `.gguf` file, its
   * `general.architecture` matched against {@link ggufArchitecturesOf}) or `remote` (a
   * descriptor of a model served elsewhere over the OpenAI protocol: a
   * `*.remote.json` file or a folder with `pio-remote.json`). Absent means `["safetensors"]`.
   */
  formats?: readonly CheckpointFormat[];
  /**
   * llama.cpp `general.architecture` values it runs when they differ from
   * `modelTypes` (`qwen3moe` for `qwen3_moe`); absent means `modelTypes`
   * (see {@link ggufArchitecturesOf}).
   */
  ggufArchitectures?: readonly string[];
  /** Model family, for example `Llama`. */
  family: string;
  /** Size label of the reference checkpoint, for example `135M` or `0.6B`. */
  size: string;
  /** Parameter count of the reference checkpoint. */
  parameters: number;
  /** Memory needed to run the reference checkpoint at fp32, in GiB. */
  requiredMemoryGb: number;
  /** What it takes in and puts out. */
  modalities: readonly Modality[];
  /** Free-form search tags. */
  tags: readonly string[];
  /** What the host must offer. */
  compatibility: PluginCompatibility;
}

/** Weight formats a checkpoint folder can hold (see {@link PluginMetadata.formats}). */
export type CheckpointFormat = 'safetensors' | 'onnx' | 'gguf' | 'remote';

/** Every {@link CheckpointFormat}, in the order {@link PluginManager.findForCheckpoint} prefers them. */
export const checkpointFormats: readonly CheckpointFormat[] = ['safetensors', 'onnx', 'gguf', 'remote'];

/**
 * The GGUF `general.architecture` values a plugin runs: its
 * `ggufArchitectures`, else its `modelTypes`; none when it does not
 * declare the `gguf` format.
 */
export function ggufArchitecturesOf(
  metadata: Pick<PluginMetadata, 'formats' | 'modelTypes' | 'ggufArchitectures'>,
): readonly string[] {
  if (!metadata.formats?.includes('gguf')) return [];
  return metadata.ggufArchitectures ?? metadata.modelTypes;
}
