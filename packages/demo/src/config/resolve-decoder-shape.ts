import { ConfigError, type ConfigIssue } from '@pio/core';
import type { DecoderShape, RopeScaling } from './decoder-shape.js';
import type { Architecture, HfDecoderConfig, HfRopeScaling } from './hf-decoder-config.js';

/**
 * Reads a Hugging Face `config.json` the way `LlamaConfig` / `Qwen3Config`
 * do: absent fields take their defaults (`head_dim` is hidden/heads for Llama
 * and 128 for Qwen3, as in transformers), then everything is checked at once.
 *
 * @param architecture - `llama` or `qwen3`.
 * @param config - The parsed `config.json`.
 * @returns The checked shape, in camelCase.
 * @throws ConfigError listing every field that is missing, out of range or
 *   unsupported (activation other than silu, RoPE type other than
 *   default/linear/llama3, Qwen3 sliding windows).
 */
export function resolveDecoderShape(architecture: Architecture, config: HfDecoderConfig): DecoderShape {
  const issues: ConfigIssue[] = [];
  const positiveInteger = (field: string, value: unknown): number => {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
    issues.push({ field, value, rule: 'must be a positive integer' });
    return 1;
  };
  const positiveNumber = (field: string, value: unknown): number => {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
    issues.push({ field, value, rule: 'must be a positive number' });
    return 1;
  };

  if (architecture !== 'llama' && architecture !== 'qwen3') {
    issues.push({ field: 'architecture', value: architecture, rule: 'must be "llama" or "qwen3"' });
  }
  const vocabSize = positiveInteger('vocabSize', config.vocab_size);
  const hiddenSize = positiveInteger('hiddenSize', config.hidden_size);
  const intermediateSize = positiveInteger('intermediateSize', config.intermediate_size);
  const numLayers = positiveInteger('numHiddenLayers', config.num_hidden_layers);
  const numAttentionHeads = positiveInteger('numAttentionHeads', config.num_attention_heads);
  const numKeyValueHeads = positiveInteger('numKeyValueHeads', config.num_key_value_heads ?? numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    issues.push({
      field: 'numKeyValueHeads',
      value: numKeyValueHeads,
      rule: `must divide numAttentionHeads (${numAttentionHeads})`,
    });
  }
  const defaultHeadDim = architecture === 'qwen3' ? 128 : Math.floor(hiddenSize / numAttentionHeads);
  const headDim = positiveInteger('headDim', config.head_dim ?? defaultHeadDim);
  if (headDim % 2 !== 0) issues.push({ field: 'headDim', value: headDim, rule: 'must be even (RoPE rotates pairs)' });
  const rmsNormEps = positiveNumber('rmsNormEps', config.rms_norm_eps ?? 1e-6);

  const hiddenAct = config.hidden_act ?? 'silu';
  if (hiddenAct !== 'silu') issues.push({ field: 'hiddenAct', value: hiddenAct, rule: 'only "silu" is supported' });
  if (architecture === 'qwen3' && config.use_sliding_window === true) {
    issues.push({
      field: 'useSlidingWindow',
      value: true,
      rule: 'sliding-window attention is not supported; set use_sliding_window to false',
    });
  }

  // transformers 5 folds rope_theta and rope_scaling into rope_parameters.
  const ropeSource: HfRopeScaling | null | undefined = config.rope_parameters ?? config.rope_scaling;
  const ropeTheta = positiveNumber('ropeTheta', config.rope_parameters?.rope_theta ?? config.rope_theta ?? 10000);
  const ropeScaling = readRopeScaling(ropeSource, issues);

  const flag = (field: string, value: unknown): boolean => {
    if (value === undefined || value === null) return false;
    if (typeof value === 'boolean') return value;
    issues.push({ field, value, rule: 'must be true or false' });
    return false;
  };
  const shape: DecoderShape = {
    architecture,
    vocabSize,
    hiddenSize,
    intermediateSize,
    numLayers,
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    rmsNormEps,
    ropeTheta,
    ropeScaling,
    attentionBias: flag('attentionBias', config.attention_bias),
    mlpBias: architecture === 'llama' && flag('mlpBias', config.mlp_bias),
    tieWordEmbeddings: flag('tieWordEmbeddings', config.tie_word_embeddings),
    queryKeyNorm: architecture === 'qwen3',
  };
  if (issues.length > 0) {
    throw new ConfigError({ configName: architecture === 'qwen3' ? 'Qwen3Config' : 'LlamaConfig', issues });
  }
  return shape;
}

function readRopeScaling(source: HfRopeScaling | null | undefined, issues: ConfigIssue[]): RopeScaling {
  if (source === undefined || source === null) return { type: 'default' };
  const type = source.rope_type ?? source.type ?? 'default';
  const number = (field: string, value: unknown): number => {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
    issues.push({ field: `ropeScaling.${field}`, value, rule: 'must be a positive number' });
    return 1;
  };
  switch (type) {
    case 'default':
      return { type: 'default' };
    case 'linear':
      return { type: 'linear', factor: number('factor', source.factor) };
    case 'llama3': {
      const scaling: RopeScaling = {
        type: 'llama3',
        factor: number('factor', source.factor),
        lowFreqFactor: number('lowFreqFactor', source.low_freq_factor),
        highFreqFactor: number('highFreqFactor', source.high_freq_factor),
        originalMaxPositionEmbeddings: number('originalMaxPositionEmbeddings', source.original_max_position_embeddings),
      };
      if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
        issues.push({
          field: 'ropeScaling.highFreqFactor',
          value: scaling.highFreqFactor,
          rule: `must be greater than lowFreqFactor (${scaling.lowFreqFactor})`,
        });
      }
      return scaling;
    }
    default:
      issues.push({ field: 'ropeScaling.ropeType', value: type, rule: 'must be "default", "linear" or "llama3"' });
      return { type: 'default' };
  }
}
