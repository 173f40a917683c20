export { checkModelPackage } from './check-model-package.js';
export {
  type ConformanceProblem,
  type ConformanceReport,
  formatConformanceReport,
} from './conformance-report.js';
export { type ConformanceOptions, describeConformance, type RoundTripOptions } from './describe-conformance.js';
export { findEmptyFolders } from './find-empty-folders.js';
export { readPluginPackage } from './read-plugin-package.js';
