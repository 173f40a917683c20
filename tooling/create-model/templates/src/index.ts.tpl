export { __Pascal__Config } from './config.js';
export { create__Pascal__Plugin, __Pascal__Plugin } from './plugin.js';
