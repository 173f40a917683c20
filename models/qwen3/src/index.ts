export { buildQwen3Graph } from './architecture/build-qwen3-graph.js';
export { Qwen3Config } from './config.js';
export { createQwen3Plugin, qwen3Definition, type Qwen3Plugin } from './plugin.js';
