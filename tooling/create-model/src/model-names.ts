import { InvalidModelNameError } from './errors/invalid-model-name-error.js';

/** Every name the generator derives from a model name. */
export interface ModelNames {
  /** The model name, lowercase kebab-case (`gpt-neox`): the folder name. */
  name: string;
  /** npm package name: `@pio/model-<name>`. */
  packageName: string;
  /** PascalCase (`GptNeox`), the stem of class and function names. */
  pascal: string;
  /** The factory named by `pio.entryPoint.factory`: `create<Pascal>Plugin`. */
  factoryName: string;
  /** The config class: `<Pascal>Config`. */
  configClassName: string;
  /** The plugin class: `<Pascal>Plugin`. */
  pluginClassName: string;
  /** Default Hugging Face `model_type`: the name with underscores (`gpt_neox`). */
  defaultModelType: string;
  /** Default Hugging Face architecture: `<Pascal>ForCausalLM`. */
  defaultArchitecture: string;
}

const kebabCase = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** npm allows 214 characters; `@pio/model-` takes 11 of them. */
const maxLength = 200;

/**
 * Checks a model name and derives the package, class and function names from it.
 *
 * @throws InvalidModelNameError when `name` is not lowercase kebab-case.
 */
export function modelNames(name: string): ModelNames {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidModelNameError({ modelName: String(name ?? ''), reason: 'it is empty' });
  }
  if (name.length > maxLength) {
    throw new InvalidModelNameError({ modelName: name, reason: `it is longer than ${maxLength} characters` });
  }
  if (!kebabCase.test(name)) {
    throw new InvalidModelNameError({ modelName: name, reason: describeViolation(name) });
  }
  const pascal = name
    .split('-')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return {
    name,
    packageName: `@pio/model-${name}`,
    pascal,
    factoryName: `create${pascal}Plugin`,
    configClassName: `${pascal}Config`,
    pluginClassName: `${pascal}Plugin`,
    defaultModelType: name.replaceAll('-', '_'),
    defaultArchitecture: `${pascal}ForCausalLM`,
  };
}

function describeViolation(name: string): string {
  if (/[A-Z]/.test(name)) return 'it has uppercase letters';
  if (!/^[a-z]/.test(name)) return 'it must start with a lowercase letter';
  if (/--/.test(name) || name.endsWith('-')) return 'dashes must separate words (no double or trailing dash)';
  return 'only lowercase letters, digits and dashes are allowed';
}
