export { build__Pascal__Graph } from './architecture/build-__name__-graph.js';
export { __Pascal__Config } from './config.js';
export {
  __camel__Definition,
  create__Pascal__Plugin,
  type __Pascal__Plugin,
  supports__Pascal__Config,
} from './plugin.js';
