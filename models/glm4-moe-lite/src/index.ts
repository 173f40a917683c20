export { buildGlm4MoeLiteGraph } from './architecture/build-glm4-moe-lite-graph.js';
export { deinterleaveRows, latentAttention } from './attention/latent-attention.js';
export { Glm4MoeLiteConfig } from './config.js';
export { latentCacheShape } from './kv-cache/latent-cache-shape.js';
export { glmFeedForward } from './mlp/moe-with-shared-expert.js';
export { type SigmoidRoutingOptions, sigmoidTopK } from './mlp/sigmoid-routing.js';
export {
  createGlm4MoeLitePlugin,
  type Glm4MoeLitePlugin,
  glm4MoeLiteDefinition,
} from './plugin.js';
