import { PioError } from './pio-error.js';

const marker = 'pio.error.NoPluginForCheckpointError';
const symbol = Symbol.for(marker);

/** What an installed plugin handles, listed in {@link NoPluginForCheckpointError}. */
export interface InstalledPluginSummary {
  /** Package name. */
  name: string;
  /** Hugging Face `model_type` values it handles. */
  modelTypes: readonly string[];
  /** Hugging Face `architectures` values it handles. */
  architectures: readonly string[];
}

/** No installed plugin declares the checkpoint's `model_type` or architecture. */
export class NoPluginForCheckpointError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** The checkpoint folder. */
  readonly checkpoint: string;
  /** Its `model_type`, if it has one. */
  readonly modelType: string | undefined;
  /** Its `architectures`. */
  readonly architectures: readonly string[];
  /** What is installed. */
  readonly installed: readonly InstalledPluginSummary[];

  /** Builds the error; the message names the installed plugins and what they handle. */
  constructor(options: {
    checkpoint: string;
    modelType: string | undefined;
    architectures: readonly string[];
    installed: readonly InstalledPluginSummary[];
    /** For a GGUF file: the `general.architecture` values the installed GGUF plugins run. */
    ggufArchitectures?: readonly string[];
  }) {
    const wanted = [
      options.modelType ? `model_type "${options.modelType}"` : undefined,
      options.architectures.length > 0 ? `architectures [${options.architectures.join(', ')}]` : undefined,
    ]
      .filter(Boolean)
      .join(' and ');
    const installed =
      options.installed.length === 0
        ? 'No model plugins are installed.'
        : `Installed plugins:\n${options.installed
            .map((p) => `  - ${p.name}: model types [${p.modelTypes.join(', ')}], architectures [${p.architectures.join(', ')}]`)
            .join('\n')}`;
    const gguf = options.ggufArchitectures;
    super(
      gguf
        ? {
            code: 'PIO_NO_PLUGIN_FOR_CHECKPOINT',
            message: `No installed plugin runs the GGUF architecture "${options.modelType}" of ${options.checkpoint}. Supported GGUF architectures: ${gguf.length > 0 ? gguf.join(', ') : 'none (no installed plugin declares the gguf format)'}.`,
            hint: 'Run a GGUF of a supported architecture, or its Hugging Face safetensors folder with a plugin that handles it.',
          }
        : {
            code: 'PIO_NO_PLUGIN_FOR_CHECKPOINT',
            message: `No installed plugin handles the checkpoint ${options.checkpoint} (${wanted || 'no model_type or architectures in config.json'}).\n${installed}`,
            hint: options.modelType
              ? `Install a plugin for it, for example \`pnpm add @pio/model-${options.modelType}\`.`
              : 'Add "model_type" and "architectures" to its config.json, as Hugging Face checkpoints have.',
          },
    );
    this.name = 'NoPluginForCheckpointError';
    this.checkpoint = options.checkpoint;
    this.modelType = options.modelType;
    this.architectures = options.architectures;
    this.installed = options.installed;
  }

  /** True when `error` is a NoPluginForCheckpointError from any installed copy of `@pio/core`. */
  static override isInstance(error: unknown): error is NoPluginForCheckpointError {
    return PioError.hasMarker(error, marker);
  }
}
