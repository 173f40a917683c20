import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CheckpointError,
  type GenerationDelta,
  isTextModelPlugin,
  type ModelPlugin,
  type PluginFactory,
  type PluginInitializeOptions,
  type PluginPackage,
  PluginStateError,
  readCheckpointConfig,
  resolveEntryFile,
  type TextInferOutput,
  type TextModelPlugin,
} from '@pio/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkModelPackage } from './check-model-package.js';
import { formatConformanceReport } from './conformance-report.js';
import { readPluginPackage } from './read-plugin-package.js';

/**
 * The optional second half of the conformance suite: a real
 * initialize → infer → generate → cleanup round trip on a checkpoint. Pass it
 * once the package runs a model; a generated stub leaves it out.
 */
export interface RoundTripOptions {
  /**
   * Returns the folder of a checkpoint the plugin can run (`config.json`,
   * weights, tokenizer files), for example one written by
   * `writeRandomCheckpoint` of `@pio/test-kit`. Called once, in `beforeAll`.
   */
  checkpoint: () => string | Promise<string>;
  /** Extra options for `initialize` (a `cacheDir`, `runtime` settings). */
  initializeOptions?: Omit<PluginInitializeOptions, 'checkpoint'>;
  /** Token ids for `infer`; every id must be below the vocabulary size. Default `[1, 2, 3, 4]`. */
  inputIds?: readonly number[];
  /** Prompt for tokenize and generation (text plugins). Default `'Hello, world'`. */
  prompt?: string;
  /** Tokens to generate in each generation test. Default 4. */
  maxNewTokens?: number;
  /**
   * Expect `detokenize(tokenize(prompt))` (no special tokens) to give the
   * prompt back exactly. Default true; turn off for tokenizers that normalize.
   */
  exactTextRoundTrip?: boolean;
}

/** What {@link describeConformance} checks. */
export interface ConformanceOptions {
  /** The model package folder: `fileURLToPath(new URL('..', import.meta.url))` from `src/plugin.test.ts`. */
  packageDir: string;
  /** The factory the package's `pio.entryPoint.factory` names, imported from its `src/index.ts`. */
  createPlugin: PluginFactory;
  /**
   * A Hugging Face `config.json` object the plugin runs; `supportsConfig` must
   * accept it. Optional: the round trip checks the checkpoint's own config.
   */
  supportedConfig?: Record<string, unknown>;
  /** The real round trip (see {@link RoundTripOptions}); left out, only the checks without a model run. */
  roundTrip?: RoundTripOptions;
}

const modelMethods = ['initialize', 'loadModel', 'infer', 'supportsConfig', 'cleanup'] as const;
const textMethods = ['tokenize', 'detokenize', 'generateText', 'generate'] as const;
const optionalTextMethods = ['chat'] as const;

/**
 * The one conformance suite every model package runs, from its own
 * `src/plugin.test.ts`:
 *
 * ```ts
 * describeConformance({
 *   packageDir: fileURLToPath(new URL('..', import.meta.url)),
 *   createPlugin: createLlamaPlugin,
 * });
 * ```
 *
 * It registers vitest tests that check the package with
 * {@link checkModelPackage}, then the v1 contract without a model: the factory
 * is the one the manifest names and returns a `specificationVersion: 'v1'`
 * plugin whose metadata is the manifest plus package name and version;
 * `isLoaded` is false before `initialize`; every ModelPlugin (and, for text
 * models, TextModelPlugin) method and `Symbol.asyncDispose` exist;
 * `supportsConfig` never throws and refuses junk with a reason; `initialize`
 * on a missing checkpoint rejects with a CheckpointError; `infer` before
 * `initialize` rejects with a PluginStateError; `cleanup` twice is safe.
 * With {@link ConformanceOptions.roundTrip} it also runs the model.
 */
export function describeConformance(options: ConformanceOptions): void {
  const packageDir = resolve(options.packageDir);
  const loadPackage = memoize((): Promise<PluginPackage> => readPluginPackage(packageDir));
  const created: ModelPlugin[] = [];
  const newPlugin = async (): Promise<ModelPlugin> => {
    const { metadata } = await loadPackage();
    const plugin = await options.createPlugin({ metadata, packageDir });
    created.push(plugin);
    return plugin;
  };

  describe(`conformance of ${packageNameOf(packageDir)}`, () => {
    afterAll(async () => {
      // Whatever a failed test left loaded is released; a throwing cleanup is reported by its own test.
      await Promise.allSettled(created.map((plugin) => plugin.cleanup()));
    });

    it('has the files and package.json shape of every model package', async () => {
      const report = await checkModelPackage(packageDir);
      expect(report.problems, formatConformanceReport(report)).toEqual([]);
    });

    it('passes the factory that pio.entryPoint names', async () => {
      const pkg = await loadPackage();
      const entryFile = resolveEntryFile(pkg, ['@pio/source']);
      const module = (await import(/* @vite-ignore */ pathToFileURL(entryFile).href)) as Record<string, unknown>;
      expect(typeof module[pkg.entryPoint.factory], `${entryFile} must export ${pkg.entryPoint.factory}`).toBe(
        'function',
      );
      expect(module[pkg.entryPoint.factory], 'createPlugin must be the factory pio.entryPoint.factory names').toBe(
        options.createPlugin,
      );
    });

    it('creates a v1 plugin whose metadata is its manifest, not yet loaded', async () => {
      const { metadata } = await loadPackage();
      const plugin = await newPlugin();
      expect(plugin.specificationVersion, 'specificationVersion').toBe('v1');
      expect(plugin.metadata, 'plugin.metadata must be the metadata its factory got (manifest, name, version)').toEqual(
        metadata,
      );
      expect(plugin.isLoaded, 'isLoaded before initialize').toBe(false);
    });

    it('has every method of the contract', async () => {
      const plugin = await newPlugin();
      const record = plugin as unknown as Record<string | symbol, unknown>;
      const required: string[] = [...modelMethods];
      if (plugin.metadata.modalities.includes('text')) required.push(...textMethods);
      const missing = required.filter((name) => typeof record[name] !== 'function');
      expect(missing, 'methods missing from the plugin').toEqual([]);
      for (const name of optionalTextMethods) {
        if (record[name] !== undefined)
          expect(typeof record[name], `${name} must be a method when present`).toBe('function');
      }
      expect(typeof record[Symbol.asyncDispose], 'Symbol.asyncDispose (for `await using`)').toBe('function');
      if (plugin.metadata.modalities.includes('text')) expect(isTextModelPlugin(plugin)).toBe(true);
    });

    it('answers supportsConfig for junk with a reason, never a throw', async () => {
      const plugin = await newPlugin();
      for (const [label, config] of junkConfigs(plugin.metadata)) {
        let answer: ReturnType<ModelPlugin['supportsConfig']> | undefined;
        expect(() => {
          answer = plugin.supportsConfig(config);
        }, `supportsConfig(${label}) threw`).not.toThrow();
        expect(answer?.supported, `supportsConfig(${label}) must be false`).toBe(false);
        const reason = answer && !answer.supported ? answer.reason : undefined;
        expect(typeof reason === 'string' && reason.trim().length > 0, `supportsConfig(${label}) must say why`).toBe(
          true,
        );
      }
    });

    if (options.supportedConfig) {
      const config = options.supportedConfig;
      it('supports the config it is meant to run', async () => {
        const plugin = await newPlugin();
        expect(plugin.supportsConfig(config), 'supportsConfig(supportedConfig)').toEqual({ supported: true });
      });
    }

    it('rejects a missing checkpoint folder with a CheckpointError, and cleans up twice', async () => {
      const plugin = await newPlugin();
      const missing = join(tmpdir(), `pio-conformance-no-checkpoint-${process.pid}-${Date.now()}`);
      const error = await plugin.initialize({ checkpoint: missing }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(CheckpointError.isInstance(error), `expected a CheckpointError, got ${describeError(error)}`).toBe(true);
      expect(plugin.isLoaded).toBe(false);
      await plugin.cleanup();
      await plugin.cleanup();
      expect(plugin.isLoaded).toBe(false);
    });

    it('rejects infer before initialize and after cleanup with a PluginStateError', async () => {
      const plugin = await newPlugin();
      const before = await plugin.infer({ inputIds: [0] }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(PluginStateError.isInstance(before), `expected a PluginStateError, got ${describeError(before)}`).toBe(
        true,
      );
      await plugin.cleanup();
      await plugin[Symbol.asyncDispose]();
      const after = await plugin.infer({ inputIds: [0] }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(PluginStateError.isInstance(after), `expected a PluginStateError, got ${describeError(after)}`).toBe(true);
    });

    if (options.roundTrip) describeRoundTrip(options.roundTrip, newPlugin);
  });
}

function describeRoundTrip(roundTrip: RoundTripOptions, newPlugin: () => Promise<ModelPlugin>): void {
  const inputIds = roundTrip.inputIds ?? [1, 2, 3, 4];
  const prompt = roundTrip.prompt ?? 'Hello, world';
  const maxNewTokens = roundTrip.maxNewTokens ?? 4;
  const greedy = { maxNewTokens, temperature: 0 };

  describe('round trip on a checkpoint', () => {
    let checkpoint: string;
    let plugin: ModelPlugin;
    const text = (): TextModelPlugin => {
      if (!isTextModelPlugin(plugin)) throw new Error(`${plugin.metadata.name} is not a TextModelPlugin`);
      return plugin;
    };
    beforeAll(async () => {
      checkpoint = await roundTrip.checkpoint();
      plugin = await newPlugin();
      await plugin.initialize({ ...roundTrip.initializeOptions, checkpoint });
    });

    it('is loaded and supports the checkpoint config.json', async () => {
      expect(plugin.isLoaded).toBe(true);
      expect(plugin.supportsConfig(await readCheckpointConfig(checkpoint))).toEqual({ supported: true });
    });

    it('infers finite logits for every position, the same twice', async () => {
      const first = (await plugin.infer({ inputIds })) as TextInferOutput;
      expect(first.sequenceLength).toBe(inputIds.length);
      expect(first.vocabSize).toBeGreaterThan(Math.max(...inputIds));
      expect(first.logits).toBeInstanceOf(Float32Array);
      expect(first.logits.length).toBe(first.sequenceLength * first.vocabSize);
      expect(first.logits.every((value) => Number.isFinite(value))).toBe(true);
      const second = (await plugin.infer({ inputIds })) as TextInferOutput;
      expect(second.logits).toEqual(first.logits);
    });

    it('tokenizes and detokenizes', () => {
      const model = text();
      const ids = model.tokenize(prompt, { addSpecialTokens: false });
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0)).toBe(true);
      expect(model.detokenize([])).toBe('');
      if (roundTrip.exactTextRoundTrip !== false)
        expect(model.detokenize(ids, { skipSpecialTokens: true })).toBe(prompt);
    });

    it('generates greedily within maxNewTokens, the same every time', async () => {
      const model = text();
      const result = await model.generateText(prompt, greedy);
      expect(result.promptIds).toEqual(model.tokenize(prompt));
      expect(result.ids.length).toBeLessThanOrEqual(maxNewTokens);
      expect(['stop', 'length']).toContain(result.finishReason);
      if (result.ids.length < maxNewTokens) expect(result.finishReason).toBe('stop');
      expect(result.usage.promptTokens).toBe(result.promptIds.length);
      expect(result.usage.completionTokens).toBe(result.ids.length);
      expect((await model.generateText(prompt, greedy)).ids).toEqual(result.ids);
    });

    it('streams the tokens generateText returns, ending with one finish delta', async () => {
      const model = text();
      const expected = await model.generateText(prompt, greedy);
      const deltas: GenerationDelta[] = [];
      for await (const delta of model.generate(prompt, greedy)) deltas.push(delta);
      const last = deltas.at(-1);
      expect(last?.type).toBe('finish');
      expect(deltas.filter((delta) => delta.type === 'finish')).toHaveLength(1);
      expect(deltas.flatMap((delta) => (delta.type === 'token' ? [delta.tokenId] : []))).toEqual(expected.ids);
      if (last?.type === 'finish') expect(last.finishReason).toBe(expected.finishReason);
    });

    it('tells its context length', () => {
      const { contextLength } = text();
      expect(Number.isInteger(contextLength) && contextLength > maxNewTokens).toBe(true);
    });

    it('runs concurrent generate calls (the batched entry point), each as it runs alone', async () => {
      const model = text();
      const expected = await model.generateText(prompt, greedy);
      const results = await Promise.all([0, 1, 2].map(() => model.generateText(prompt, greedy)));
      for (const result of results) expect(result.ids).toEqual(expected.ids);
    });

    it('ends with finishReason "abort" when the signal is aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const result = await text().generateText(prompt, { ...greedy, signal: controller.signal });
      expect(result.finishReason).toBe('abort');
    });

    it('cleans up, after which infer is refused', async () => {
      await plugin.cleanup();
      expect(plugin.isLoaded).toBe(false);
      const error = await plugin.infer({ inputIds }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(PluginStateError.isInstance(error), `expected a PluginStateError, got ${describeError(error)}`).toBe(true);
    });
  });
}

/** Configs no plugin runs: not objects, empty, of an unknown model, or of its own model with a broken value. */
function junkConfigs(metadata: ModelPlugin['metadata']): Array<[label: string, config: unknown]> {
  const own = {
    ...(metadata.modelTypes[0] ? { model_type: metadata.modelTypes[0] } : {}),
    architectures: [...metadata.architectures],
  };
  return [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', 'config.json'],
    ['an array', [own]],
    ['an empty object', {}],
    [
      'an unknown model',
      { model_type: 'pio-conformance-unknown', architectures: ['PioConformanceUnknownForCausalLM'] },
    ],
    ['its own model with hidden_size -1', { ...own, hidden_size: -1 }],
  ];
}

function describeError(error: unknown): string {
  if (error === undefined) return 'no error';
  if (error instanceof Error)
    return `${error.name}${'code' in error ? ` (${String(error.code)})` : ''}: ${error.message}`;
  return String(error);
}

function packageNameOf(packageDir: string): string {
  try {
    const { name } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name?: unknown };
    if (typeof name === 'string' && name !== '') return name;
  } catch {
    // The package check reports it; the suite title falls back to the folder.
  }
  return basename(packageDir);
}

function memoize<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= load();
    return promise;
  };
}
