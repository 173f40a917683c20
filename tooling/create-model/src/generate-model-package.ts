import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreVersion } from '@pio/core';
import { GeneratorOptionError } from './errors/generator-option-error.js';
import { TargetExistsError } from './errors/target-exists-error.js';
import { findWorkspaceRoot } from './find-workspace-root.js';
import { modelNames } from './model-names.js';
import { renderTemplate, type TemplateValues } from './render-template.js';

/** Options of {@link generateModelPackage}. */
export interface GenerateModelOptions {
  /** Lowercase kebab-case model name (`qwen3`, `gpt-neox`): the folder is `<name>`, the package `@pio/model-<name>`. */
  name: string;
  /**
   * The folder to create `<name>/` in, relative to `cwd`. Default: `models/`
   * of the pnpm workspace `cwd` is in (the PIO repository), else `cwd`.
   */
  targetDir?: string;
  /** Where relative paths start and the workspace is looked for. Default: `process.cwd()`. */
  cwd?: string;
  /** Human name for `pio.displayName`. Default: the PascalCase name (`GptNeox`). */
  displayName?: string;
  /** `pio.family`. Default: the display name. */
  family?: string;
  /** Hugging Face `model_type` values it runs. Default: the name with underscores (`gpt_neox`). */
  modelTypes?: readonly string[];
  /** Hugging Face `architectures` it runs. Default: `<Pascal>ForCausalLM`. */
  architectures?: readonly string[];
  /** `pio.author`. Default: `PIO contributors`. */
  author?: string;
  /** One or two sentences for `description` and `pio.description`. */
  description?: string;
  /** Rewrite the generated files in an existing, non-empty folder (other files there are kept). */
  force?: boolean;
}

/** What {@link generateModelPackage} wrote. */
export interface GeneratedModelPackage {
  /** `@pio/model-<name>`. */
  packageName: string;
  /** Absolute path of the new package folder. */
  dir: string;
  /** The files written, relative to `dir`, sorted. */
  files: string[];
  /** The factory `pio.entryPoint.factory` names (`create<Pascal>Plugin`). */
  factoryName: string;
}

const templatesDir = fileURLToPath(new URL('../templates/', import.meta.url));
const architecturePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const modelTypePattern = /^[a-z0-9][a-z0-9_.-]*$/;

/**
 * Writes a new model plugin package, `@pio/model-<name>`, from the templates in
 * `templates/`: package.json with its `pio` manifest (compatible with this
 * `@pio/core`), tool configs, README, a runnable Llama-style decoder
 * (`src/config.ts`, `src/architecture/build-<name>-graph.ts` over the shared
 * decoder of `@pio/onnx`, `src/plugin.ts` handing both to `DecoderTextPlugin`
 * of `@pio/engine`) with tests (the plugin test runs the shared conformance
 * suite with a round trip on a tiny random checkpoint) and a benchmark.
 * The result passes `checkModelPackage` and is found by discovery as it is.
 *
 * @throws InvalidModelNameError when `name` is not lowercase kebab-case.
 * @throws GeneratorOptionError for an empty display name or a malformed model type or architecture.
 * @throws TargetExistsError when `<targetDir>/<name>` exists, is not empty, and `force` is not set.
 */
export async function generateModelPackage(options: GenerateModelOptions): Promise<GeneratedModelPackage> {
  const names = modelNames(options.name);
  const cwd = resolve(options.cwd ?? process.cwd());
  const parent = options.targetDir !== undefined ? resolve(cwd, options.targetDir) : defaultTargetDir(cwd);
  const dir = join(parent, names.name);

  const displayName = checkText('--display-name', options.displayName ?? names.pascal);
  const family = checkText('--family', options.family ?? displayName);
  const author = checkText('--author', options.author ?? 'PIO contributors');
  const modelTypes = checkList(
    '--model-type',
    options.modelTypes ?? [names.defaultModelType],
    modelTypePattern,
    'like "llama" or "gpt_neox"',
  );
  const architectures = checkList(
    '--architecture',
    options.architectures ?? [names.defaultArchitecture],
    architecturePattern,
    'a class name like "LlamaForCausalLM"',
  );
  const description = checkText(
    '--description',
    options.description ?? `PIO model plugin for ${displayName} checkpoints (${architectures.join(', ')}).`,
  );

  const values: TemplateValues = {
    name: names.name,
    Pascal: names.pascal,
    camel: names.pascal[0]!.toLowerCase() + names.pascal.slice(1),
    displayName,
    coreVersion,
    architecturesList: architectures.join(', '),
    modelTypesList: modelTypes.join(', '),
    modelTypeLiteral: quote(modelTypes[0]!),
    architectureLiteral: quote(architectures[0]!),
    descriptionJson: JSON.stringify(description),
    displayNameJson: JSON.stringify(displayName),
    authorJson: JSON.stringify(author),
    familyJson: JSON.stringify(family),
    architecturesJson: JSON.stringify(architectures),
    modelTypesJson: JSON.stringify(modelTypes),
  };
  // Everything is rendered before anything is written: a template bug leaves no half-made package.
  const rendered = await renderAll(values);
  JSON.parse(rendered.get('package.json')!);

  if (!options.force && (await isNonEmptyFolder(dir))) throw new TargetExistsError({ dir });
  for (const [path, text] of rendered) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return { packageName: names.packageName, dir, files: [...rendered.keys()].sort(), factoryName: names.factoryName };
}

/** `<workspace root>/models` when `cwd` is inside the PIO repository, else `cwd`. */
function defaultTargetDir(cwd: string): string {
  const root = findWorkspaceRoot(cwd);
  return root ? join(root, 'models') : cwd;
}

async function renderAll(values: TemplateValues): Promise<Map<string, string>> {
  const entries = await readdir(templatesDir, { recursive: true, withFileTypes: true });
  const rendered = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.tpl')) continue;
    const templatePath = relative(templatesDir, join(entry.parentPath, entry.name)).split(sep).join('/');
    const outputPath = renderTemplate(templatePath.slice(0, -'.tpl'.length), values, templatePath);
    const text = await readFile(join(templatesDir, templatePath), 'utf8');
    rendered.set(outputPath, renderTemplate(text, values, templatePath));
  }
  return rendered;
}

async function isNonEmptyFolder(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    // A file (not a folder) in the way counts as existing.
    return true;
  }
}

function checkText(option: string, value: string): string {
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value)) {
    throw new GeneratorOptionError({
      option,
      value,
      reason: 'it must be one non-empty line',
      hint: `Pass ${option} "<text>".`,
    });
  }
  return value.trim();
}

function checkList(option: string, values: readonly string[], pattern: RegExp, shape: string): string[] {
  if (values.length === 0) {
    throw new GeneratorOptionError({
      option,
      value: [],
      reason: 'at least one is needed',
      hint: `Pass ${option} ${shape}.`,
    });
  }
  for (const value of values) {
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new GeneratorOptionError({
        option,
        value,
        reason: `it must be ${shape}`,
        hint: `Pass ${option} as it appears in config.json.`,
      });
    }
  }
  return [...new Set(values)];
}

/** A single-quoted TypeScript string literal (the values are already restricted to safe characters). */
function quote(value: string): string {
  return `'${value}'`;
}
