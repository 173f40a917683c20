import { yarnMscale } from '@pio/onnx';
import type { Glm4MoeLiteConfig } from '../config.js';

/**
 * The softmax scale of latent attention: `1/sqrt(qk_nope_head_dim +
 * qk_rope_head_dim)`, times `m(factor, mscale_all_dim)²` when the rope is
 * scaled and `mscale_all_dim` is set (DeepSeek-V3's yarn, transformers'
 * `yarn_apply_mscale`, which reads the config's own `factor`). The shared
 * rotary tables carry the other half of yarn: its frequencies and the
 * cos/sin scale `m(factor, mscale) / m(factor, mscale_all_dim)`.
 *
 * @param config the model's config
 */
export function latentSoftmaxScale(config: Glm4MoeLiteConfig): number {
  const base = 1 / Math.sqrt(config.qkNopeHeadDim + config.qkRopeHeadDim);
  const scaling = config.ropeScaling;
  if (!scaling || scaling.ropeType === 'default' || !scaling.mscaleAllDim) return base;
  const magnitude = yarnMscale(scaling.factor, scaling.mscaleAllDim);
  return base * magnitude * magnitude;
}
