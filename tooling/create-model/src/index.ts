export { GeneratorOptionError } from './errors/generator-option-error.js';
export { InvalidModelNameError } from './errors/invalid-model-name-error.js';
export { TargetExistsError } from './errors/target-exists-error.js';
export { findWorkspaceRoot } from './find-workspace-root.js';
export {
  type GeneratedModelPackage,
  type GenerateModelOptions,
  generateModelPackage,
} from './generate-model-package.js';
export { type ModelNames, modelNames } from './model-names.js';
export { type CreateModelCliIo, runCreateModelCli } from './run-create-model-cli.js';
