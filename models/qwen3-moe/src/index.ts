export { buildQwen3MoeGraph } from './architecture/build-qwen3-moe-graph.js';
export { Qwen3MoeConfig } from './config.js';
export { qwen3MoeFeedForward } from './mlp/sparse-moe-block.js';
export { createQwen3MoePlugin, type Qwen3MoePlugin, qwen3MoeDefinition } from './plugin.js';
