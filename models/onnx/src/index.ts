export { OnnxFolderConfig } from './config.js';
export { createOnnxPlugin, type OnnxPlugin, onnxConfigSupport, onnxDefinition } from './plugin.js';
export {
  listOnnxVariants,
  type OnnxVariant,
  onnxVariantSuffixes,
  resolveOnnxVariant,
  variantsForDtype,
} from './variants.js';
