export { buildLlamaGraph } from './architecture/build-llama-graph.js';
export { LlamaConfig } from './config.js';
export { createLlamaPlugin, llamaDefinition, type LlamaPlugin } from './plugin.js';
