import type { DecoderCacheShape } from '@pio/engine';
import type { Glm4MoeLiteConfig } from '../config.js';

/**
 * The engine's cache of a GLM-4.7-Flash layer: one key row per token holding
 * the normed `kv_lora_rank` latent and the rotated `qk_rope_head_dim` shared
 * key (512 + 64 = 576 floats, 2,304 bytes at fp32), and no values: the
 * absorbed attention reads its values from the same rows. 20 heads of full
 * K and V would take 20 × (256 + 256) = 10,240 floats.
 */
export function latentCacheShape(config: Glm4MoeLiteConfig): DecoderCacheShape {
  return { keyRowSize: config.latentCacheRowSize, valueRowSize: 0 };
}
