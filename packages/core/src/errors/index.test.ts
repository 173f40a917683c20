import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  ConfigError,
  ContextLengthError,
  IncompatiblePluginError,
  ManifestError,
  NoPluginForCheckpointError,
  NotATextModelError,
  PioError,
  PluginLoadError,
  PluginStateError,
  PromptError,
  UnknownPluginError,
} from './index.js';

interface Case {
  type: { name: string; isInstance(error: unknown): boolean };
  marker: string;
  code: string;
  make(): PioError;
  /** What the message must say (what and where), before the hint. */
  message: string;
  hint: string;
}

const cases: Case[] = [
  {
    type: CheckpointError,
    marker: 'pio.error.CheckpointError',
    code: 'PIO_CHECKPOINT_INVALID',
    make: () => new CheckpointError({ file: '/m/config.json', reason: 'the file does not exist' }),
    message: 'Invalid checkpoint file /m/config.json: the file does not exist',
    hint: 'Point PIO at a Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json).',
  },
  {
    type: ConfigError,
    marker: 'pio.error.ConfigError',
    code: 'PIO_CONFIG_INVALID',
    make: () =>
      new ConfigError({ configName: 'BaseConfig', issues: [{ field: 'vocabSize', value: 0, rule: 'must be > 0' }] }),
    message: 'Invalid BaseConfig: 1 problem\n  - vocabSize = 0: must be > 0',
    hint: 'Fix these values in the options you pass.',
  },
  {
    type: ContextLengthError,
    marker: 'pio.error.ContextLengthError',
    code: 'PIO_CONTEXT_LENGTH_EXCEEDED',
    make: () => new ContextLengthError({ promptTokens: 2000, maxNewTokens: 100, contextLength: 2048 }),
    message: 'The prompt has 2000 tokens and 100 more were asked for: 2100 > the context length of 2048 tokens.',
    hint: "Shorten the prompt, lower maxNewTokens, pass truncatePrompt: true, or raise maxContextLength (up to the model's max_position_embeddings).",
  },
  {
    type: IncompatiblePluginError,
    marker: 'pio.error.IncompatiblePluginError',
    code: 'PIO_PLUGIN_INCOMPATIBLE',
    make: () =>
      new IncompatiblePluginError({
        packageName: '@pio/model-x',
        file: '/nm/@pio/model-x/package.json',
        issues: [{ requirement: 'core', required: '^9.0.0', found: '0.1.0' }],
      }),
    message:
      'Plugin @pio/model-x (/nm/@pio/model-x/package.json) is not compatible with this host:\n  - core: needs ^9.0.0, found 0.1.0',
    hint: 'Install a version of @pio/model-x made for this host, or upgrade what it asks for.',
  },
  {
    type: ManifestError,
    marker: 'pio.error.ManifestError',
    code: 'PIO_MANIFEST_INVALID',
    make: () =>
      new ManifestError({
        packageName: 'pio-model-y',
        file: '/nm/pio-model-y/package.json',
        issues: [
          { path: 'pio.type', message: 'must be one of model' },
          { path: 'pio.size', message: 'must be a string' },
        ],
      }),
    message:
      'Invalid pio manifest in pio-model-y (/nm/pio-model-y/package.json):\n  - pio.type: must be one of model\n  - pio.size: must be a string',
    hint: 'Fix the "pio" key of that package.json (see docs/model-authors.md), or uninstall the package.',
  },
  {
    type: NoPluginForCheckpointError,
    marker: 'pio.error.NoPluginForCheckpointError',
    code: 'PIO_NO_PLUGIN_FOR_CHECKPOINT',
    make: () =>
      new NoPluginForCheckpointError({
        checkpoint: '/m/gpt2',
        modelType: 'gpt2',
        architectures: ['GPT2LMHeadModel'],
        installed: [{ name: '@pio/model-llama', modelTypes: ['llama'], architectures: ['LlamaForCausalLM'] }],
      }),
    message:
      'No installed plugin handles the checkpoint /m/gpt2 (model_type "gpt2" and architectures [GPT2LMHeadModel]).\n' +
      'Installed plugins:\n  - @pio/model-llama: model types [llama], architectures [LlamaForCausalLM]',
    hint: 'Install a plugin for it, for example `pnpm add @pio/model-gpt2`.',
  },
  {
    type: NotATextModelError,
    marker: 'pio.error.NotATextModelError',
    code: 'PIO_NOT_A_TEXT_MODEL',
    make: () => new NotATextModelError({ pluginName: 'pio-model-vision', checkpoint: '/m/vit' }),
    message:
      'pio-model-vision (chosen for /m/vit) is not a text model plugin: it has no tokenize/detokenize/generateText.',
    hint: 'Use a text model checkpoint, or install a text model plugin that declares its architecture (pio list shows what is installed).',
  },
  {
    type: PluginLoadError,
    marker: 'pio.error.PluginLoadError',
    code: 'PIO_PLUGIN_LOAD_FAILED',
    make: () => new PluginLoadError({ packageName: 'p', file: '/nm/p/index.js', reason: 'importing it failed: boom' }),
    message: 'Could not load plugin p from /nm/p/index.js: importing it failed: boom',
    hint: `Check the "pio.entryPoint" of p's package.json and that the package is built.`,
  },
  {
    type: PluginStateError,
    marker: 'pio.error.PluginStateError',
    code: 'PIO_PLUGIN_STATE',
    make: () => new PluginStateError({ pluginName: '@pio/model-llama', reason: 'infer() called before initialize()' }),
    message: '@pio/model-llama: infer() called before initialize()',
    hint: 'Call initialize() first, and do not use a plugin after cleanup().',
  },
  {
    type: PromptError,
    marker: 'pio.error.PromptError',
    code: 'PIO_PROMPT',
    make: () => new PromptError({ kind: 'token-id', tokenId: 50300, position: 3, vocabSize: 50257 }),
    message: 'Prompt token id 50300 at position 3 is not a token of this model: ids must be integers in [0, 50257).',
    hint: "Use ids from this model's tokenizer (tokenize() of the plugin), or pass the prompt as text.",
  },
  {
    type: UnknownPluginError,
    marker: 'pio.error.UnknownPluginError',
    code: 'PIO_PLUGIN_UNKNOWN',
    make: () =>
      new UnknownPluginError({ pluginName: '@pio/model-gpt2', installed: ['@pio/model-llama', '@pio/model-qwen3'] }),
    message: 'Unknown model plugin "@pio/model-gpt2". Installed plugins: @pio/model-llama, @pio/model-qwen3.',
    hint: 'Install it (for example `pnpm add @pio/model-gpt2`) or pick one of the installed plugins.',
  },
];

describe.each(cases)('$type.name', ({ type, marker, code, make, message, hint }) => {
  it('has a stable code, its class name, and a message that ends with what to do', () => {
    const error = make();
    expect(error.code).toBe(code);
    expect(error.name).toBe(type.name);
    expect(error.hint).toBe(hint);
    expect(error.message).toBe(`${message}\n${hint}`);
    expect(error).toBeInstanceOf(PioError);
    expect(error).toBeInstanceOf(Error);
  });

  it('is an instance of itself and of PioError, and of no other subclass', () => {
    const error = make();
    expect(type.isInstance(error)).toBe(true);
    expect(PioError.isInstance(error)).toBe(true);
    for (const other of cases.filter((c) => c.type !== type)) expect(other.type.isInstance(error)).toBe(false);
  });

  it('recognizes the same error from a second copy of @pio/core', () => {
    // What another copy's class would set: the same registered symbols, on an unrelated class.
    class SecondCopyError extends Error {
      constructor() {
        super('from another copy');
        Object.assign(this, { [Symbol.for('pio.error')]: true, [Symbol.for(marker)]: true, code });
      }
    }
    const foreign = new SecondCopyError();
    expect(foreign instanceof (type as unknown as new (...args: never[]) => unknown)).toBe(false);
    expect(type.isInstance(foreign)).toBe(true);
    expect(PioError.isInstance(foreign)).toBe(true);
  });

  it('does not take a plain Error, a bare PioError or an object with the right code for one', () => {
    expect(type.isInstance(new Error(message))).toBe(false);
    expect(type.isInstance(new PioError({ code, message }))).toBe(false);
    expect(type.isInstance({ name: type.name, code, message })).toBe(false);
    expect(type.isInstance(undefined)).toBe(false);
  });
});

describe('error fields', () => {
  it('keep what they were built from, cause included', () => {
    const cause = new SyntaxError('Unexpected token');
    const checkpoint = new CheckpointError({ file: '/m/config.json', reason: 'bad', hint: 'custom hint', cause });
    expect(checkpoint.file).toBe('/m/config.json');
    expect(checkpoint.cause).toBe(cause);
    expect(checkpoint.message.endsWith('\ncustom hint')).toBe(true);

    const load = new PluginLoadError({ packageName: 'p', file: '/f.js', reason: 'r', cause });
    expect([load.packageName, load.file, load.cause]).toEqual(['p', '/f.js', cause]);

    const unknown = new UnknownPluginError({ pluginName: 'x', installed: [] });
    expect(unknown.message.split('\n')[0]).toBe('Unknown model plugin "x". Installed plugins: none.');
    expect(unknown.installed).toEqual([]);

    const none = new NoPluginForCheckpointError({
      checkpoint: '/m',
      modelType: undefined,
      architectures: [],
      installed: [],
    });
    expect(none.message).toBe(
      'No installed plugin handles the checkpoint /m (no model_type or architectures in config.json).\n' +
        'No model plugins are installed.\n' +
        'Add "model_type" and "architectures" to its config.json, as Hugging Face checkpoints have.',
    );
  });
});
