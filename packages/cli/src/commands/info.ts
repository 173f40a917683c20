import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BaseConfig, DecoderConfig, type DecoderFields, findGgufFile, readCheckpointConfig } from '@pio/core';
import { ggufHuggingFaceConfig } from '@pio/engine';
import { GgufFile, ggufTypeSummary } from '@pio/gguf';
import { findModelPath } from '@pio/hub';
import type { CliIo } from '../io.js';
import { createManager } from './open-checkpoint.js';

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/**
 * `pio info <plugin | checkpoint-dir | file.gguf>`: a plugin's manifest, or for a
 * checkpoint the plugin that runs it, its architecture, parameter count and
 * estimated memory per dtype; for a GGUF file also its storage types with
 * their share of bytes. Loads no weights.
 *
 * @returns the exit code.
 */
export async function infoCommand(io: CliIo, target: string, options: { json?: boolean } = {}): Promise<number> {
  await using manager = createManager(io);
  await manager.discover();
  // A pulled `owner/name` reads as its snapshot folder; anything else that is not a path is a plugin name.
  const dir = findModelPath(target, { cwd: io.cwd }) ?? resolve(io.cwd, target);
  if (!existsSync(dir)) {
    const { metadata, packageDir } = manager.get(target);
    io.out(
      options.json
        ? `${JSON.stringify({ ...metadata, packageDir }, null, 2)}\n`
        : formatFields({ ...metadata, packageDir }),
    );
    return 0;
  }
  const record = await manager.findForCheckpoint(dir);
  const ggufFile = await findGgufFile(dir);
  const gguf = ggufFile ? await readGgufSummary(ggufFile) : undefined;
  const json = gguf ? gguf.config : await readCheckpointConfig(dir);
  const config = await pluginConfig(manager, record.metadata.name, json, ggufFile ?? resolve(dir, 'config.json'));
  const parameters = config.estimateParameters();
  const activeParameters = config.activeParameters();
  const weights = {
    float32: config.estimateWeightBytes('float32'),
    int8: config.estimateWeightBytes('int8'),
    int4: config.estimateWeightBytes('int4'),
  };
  const info = {
    checkpoint: dir,
    plugin: `${record.metadata.name}@${record.metadata.version}`,
    architectures: config.architectures,
    modelType: config.modelType,
    parameters,
    activeParameters,
    ...decoderShape(config),
    vocabSize: config.vocabSize,
    contextLength: config.maxContextLength,
    weightsBytes: weights,
    kvCacheBytesAtContext: config.kvCacheBytes(),
    ...(gguf ? { gguf: gguf.summary } : {}),
  };
  if (options.json) {
    io.out(`${JSON.stringify(info, null, 2)}\n`);
    return 0;
  }
  io.out(
    formatFields({
      ...info,
      parameters:
        parameters > 0 ? parameters.toLocaleString('en-US') : 'unknown (the config does not describe its layers)',
      activeParameters:
        parameters > 0
          ? `${activeParameters.toLocaleString('en-US')} per token${activeParameters < parameters ? ' (mixture of experts)' : ''}`
          : 'unknown',
      weightsBytes: `float32 ${gib(weights.float32)}, int8 ≈ ${gib(weights.int8)}, int4 ≈ ${gib(weights.int4)}`,
      kvCacheBytesAtContext: `${gib(info.kvCacheBytesAtContext)} (fp32, ${config.maxContextLength} tokens)`,
      ...(gguf
        ? {
            gguf: `${gguf.summary.file} (${gib(gguf.summary.bytes)}, ${gguf.summary.parameters.toLocaleString('en-US')} weights)`,
            quantization: gguf.summary.types
              .map((type) => `${type.type} ${(type.share * 100).toFixed(1)}% (${type.tensors} tensors)`)
              .join(', '),
          }
        : {}),
    }),
  );
  return 0;
}

/** The decoder's layers, width and heads, when the config is a decoder's (duck-typed: it may come from another copy of @pio/core). */
function decoderShape(config: BaseConfig): Record<string, unknown> {
  if (!('hiddenSize' in config)) return {};
  const decoder = config as BaseConfig & DecoderFields;
  return {
    layers: decoder.numHiddenLayers,
    hiddenSize: decoder.hiddenSize,
    heads: `${decoder.numAttentionHeads} query / ${decoder.numKeyValueHeads} key-value × ${decoder.headDim}`,
  };
}

/** A GGUF file's synthesized config.json and what it is made of, from its header alone. */
async function readGgufSummary(file: string) {
  const gguf = await GgufFile.open(file);
  try {
    const types = ggufTypeSummary(gguf.tensors);
    return {
      config: ggufHuggingFaceConfig(gguf),
      summary: {
        file,
        bytes: types.reduce((sum, type) => sum + type.bytes, 0),
        parameters: types.reduce((sum, type) => sum + type.parameters, 0),
        types,
      },
    };
  } finally {
    await gguf.close();
  }
}

/**
 * The checkpoint's config as its plugin reads it (a mixture of experts counts
 * its experts and active parameters), or when the plugin does not expose
 * one, {@link fallbackConfig}.
 */
async function pluginConfig(
  manager: ReturnType<typeof createManager>,
  name: string,
  json: Record<string, unknown>,
  source: string,
): Promise<BaseConfig> {
  const plugin = await manager.activate(name, { config: json }).catch(() => undefined);
  try {
    // Duck-typed: the plugin's BaseConfig may come from another installed copy of @pio/core.
    const config = (plugin as { modelConfig?: BaseConfig } | undefined)?.modelConfig;
    if (typeof config?.activeParameters === 'function') return config;
  } catch {
    // A plugin that holds no config until it loads: fall back to the shared fields.
  } finally {
    if (plugin) await manager.deactivate(plugin);
  }
  return fallbackConfig(json, source);
}

/**
 * What `pio info` shows of a config.json whose plugin exposes no config: a
 * {@link DecoderConfig} for a causal language model (`architectures` names a
 * `*ForCausalLM` or `*LMHeadModel`, or, without `architectures`, it has
 * `hidden_size`, `num_hidden_layers` and `num_attention_heads`), a plain
 * {@link BaseConfig} for anything else (an encoder also has `hidden_size`).
 */
export function fallbackConfig(json: Record<string, unknown>, source: string): BaseConfig {
  const architectures = Array.isArray(json.architectures) ? json.architectures.map(String) : undefined;
  const decoder = architectures
    ? architectures.some((name) => name.endsWith('ForCausalLM') || name.endsWith('LMHeadModel'))
    : ['hidden_size', 'num_hidden_layers', 'num_attention_heads'].every((key) => json[key] !== undefined);
  return decoder ? DecoderConfig.fromHuggingFace(json, {}, source) : BaseConfig.fromHuggingFace(json, {}, source);
}

function formatFields(fields: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(fields).map((key) => key.length));
  return `${Object.entries(fields)
    .map(([key, value]) => `${key.padEnd(width)}  ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n')}\n`;
}
