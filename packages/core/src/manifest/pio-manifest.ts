import { validRange } from 'semver';
import { z } from 'zod';
import { type CheckpointFormat, checkpointFormats, type PluginCompatibility } from '../contract/plugin-metadata.js';
import type { Modality, PluginType } from '../contract/plugin-type.js';
import { modalities, pluginTypes } from '../contract/plugin-type.js';

/**
 * The `pio` key of a model package's package.json: everything the host needs
 * to know about a plugin before it imports any of its code. Name and version
 * are the package's own and are not repeated here.
 *
 * ```json
 * "pio": {
 *   "specificationVersion": "v1",
 *   "type": "model",
 *   "displayName": "Llama",
 *   "description": "Llama 2/3, TinyLlama, SmolLM and Mistral-style checkpoints.",
 *   "author": "PIO contributors",
 *   "license": "MIT",
 *   "architectures": ["LlamaForCausalLM"],
 *   "modelTypes": ["llama"],
 *   "formats": ["safetensors"],
 *   "family": "Llama",
 *   "size": "135M",
 *   "parameters": 134515008,
 *   "requiredMemoryGb": 0.6,
 *   "modalities": ["text"],
 *   "tags": ["text-generation"],
 *   "compatibility": { "core": "^0.1.0", "node": ">=20", "onnxruntime": ">=1.20.0" },
 *   "entryPoint": { "export": ".", "factory": "createLlamaPlugin" }
 * }
 * ```
 */
export interface PioManifest {
  /** Contract version the plugin's code implements; the host refuses versions it does not know. */
  specificationVersion: 'v1';
  /** What kind of component the plugin provides. */
  type: PluginType;
  /** A human name. */
  displayName: string;
  /** One or two sentences on what it runs. */
  description: string;
  /** Who maintains it. */
  author: string;
  /** SPDX license of the plugin code. */
  license: string;
  /** Hugging Face `architectures` values it handles; `"*"` means any (for format plugins such as `@pio/model-onnx`). */
  architectures: string[];
  /** Hugging Face `model_type` values it handles. */
  modelTypes: string[];
  /**
   * Weight formats of the checkpoint folders it runs: `"safetensors"` (the
   * default) or `"onnx"` (a transformers.js / Optimum export with
   * `onnx/model*.onnx`) or `"gguf"` (a llama.cpp `.gguf` file, whose
   * `general.architecture` must be one of `ggufArchitectures`) or `"remote"` (a
   * `*.remote.json` descriptor of a model served over the OpenAI protocol,
   * as `@pio/model-remote` runs). `findForCheckpoint`
   * only offers a checkpoint to plugins of its format.
   */
  formats?: CheckpointFormat[];
  /**
   * llama.cpp `general.architecture` values it runs, when it declares the
   * `"gguf"` format and they differ from its `modelTypes` (Qwen3-MoE:
   * `model_type` `qwen3_moe`, llama.cpp's `qwen3moe`). Absent means
   * `modelTypes` (`llama`, `qwen3` are spelled alike in both).
   */
  ggufArchitectures?: string[];
  /** Model family. */
  family: string;
  /** Size label of the reference checkpoint. */
  size: string;
  /** Parameter count of the reference checkpoint. */
  parameters: number;
  /** GiB of memory the reference checkpoint needs at fp32. */
  requiredMemoryGb: number;
  /** What it takes in and puts out. */
  modalities: Modality[];
  /** Free-form search tags. */
  tags: string[];
  /** What the host must offer. */
  compatibility: PluginCompatibility;
  /** Where the plugin's code is. */
  entryPoint: PioEntryPoint;
}

/** Where a plugin's factory lives. */
export interface PioEntryPoint {
  /** Subpath of the package's `exports` map (`.` or `./plugin`). */
  export: string;
  /** Name of the exported {@link PluginFactory}. */
  factory: string;
}

const nonEmpty = () => z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' });
const semverRange = () =>
  nonEmpty().refine((value) => validRange(value) !== null, { error: 'must be a valid semver range, like ^0.1.0' });

/** The zod schema of {@link PioManifest}; unknown keys are errors, so typos do not pass silently. */
export const pioManifestSchema = z
  .strictObject({
    specificationVersion: z.literal('v1', { error: 'must be "v1", the only contract version this host supports' }),
    type: z.enum(pluginTypes as [PluginType, ...PluginType[]], { error: `must be one of ${pluginTypes.join(', ')}` }),
    displayName: nonEmpty(),
    description: nonEmpty(),
    author: nonEmpty(),
    license: nonEmpty(),
    architectures: z.array(nonEmpty(), { error: 'must be a list of strings' }),
    modelTypes: z.array(nonEmpty(), { error: 'must be a list of strings' }),
    formats: z
      .array(
        z.enum(checkpointFormats as [CheckpointFormat, ...CheckpointFormat[]], {
          error: `must be one of ${checkpointFormats.join(', ')}`,
        }),
        { error: `must be a list of formats (${checkpointFormats.join(', ')})` },
      )
      .min(1, { error: 'must name at least one format' })
      .optional(),
    ggufArchitectures: z
      .array(nonEmpty(), { error: 'must be a list of strings' })
      .min(1, { error: 'must name at least one architecture' })
      .optional(),
    family: nonEmpty(),
    size: nonEmpty(),
    parameters: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be an integer' })
      .nonnegative({ error: 'must be >= 0' }),
    requiredMemoryGb: z.number({ error: 'must be a number' }).nonnegative({ error: 'must be >= 0' }),
    modalities: z
      .array(z.enum(modalities as [Modality, ...Modality[]], { error: `must be one of ${modalities.join(', ')}` }), {
        error: `must be a list of modalities (${modalities.join(', ')})`,
      })
      .min(1, { error: 'must name at least one modality' }),
    tags: z.array(z.string(), { error: 'must be a list of strings' }).default([]),
    compatibility: z.strictObject(
      {
        core: semverRange(),
        node: semverRange().optional(),
        onnxruntime: semverRange().optional(),
        minMemoryGb: z.number({ error: 'must be a number' }).nonnegative({ error: 'must be >= 0' }).optional(),
      },
      { error: 'must be an object with at least "core" (a semver range of @pio/core)' },
    ),
    entryPoint: z.strictObject(
      {
        export: z.string().regex(/^\.(\/[\w.-]+)*$/, { error: 'must be "." or a subpath like "./plugin"' }),
        factory: z.string().regex(/^[A-Za-z_$][\w$]*$/, { error: 'must be the name of an exported function' }),
      },
      { error: 'must be an object with "export" and "factory"' },
    ),
  })
  .superRefine((manifest, ctx) => {
    if (manifest.type === 'model' && manifest.architectures.length === 0 && manifest.modelTypes.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['modelTypes'],
        message: 'a model plugin must declare at least one modelTypes or architectures value',
      });
    }
    if (manifest.ggufArchitectures && !manifest.formats?.includes('gguf')) {
      ctx.addIssue({
        code: 'custom',
        path: ['ggufArchitectures'],
        message: 'names GGUF architectures, but formats does not include "gguf": add it, or remove ggufArchitectures',
      });
    }
  });
