import { PioError } from '@pio/core';

const marker = 'pio.error.ModelNotFoundError';
const symbol = Symbol.for(marker);

/**
 * A model name is neither an existing folder nor a repository id pulled into
 * the cache (code `PIO_MODEL_NOT_FOUND`).
 */
export class ModelNotFoundError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/hub
  private readonly [symbol] = true;

  /** What was asked for: a path or an `owner/name` repository id. */
  readonly nameOrPath: string;
  /** The repository id when `nameOrPath` has that form, else `undefined`. */
  readonly repo: string | undefined;
  /** The folder of pulled snapshots that was searched, when `nameOrPath` is a repository id. */
  readonly modelDir: string | undefined;

  /** Builds the error; the message says where it looked and how to pull the model. */
  constructor(options: { nameOrPath: string; path: string; repo?: string; revision?: string; modelDir?: string }) {
    const { repo, revision } = options;
    const pull = repo ? `pio pull ${repo}${revision ? ` --revision ${revision}` : ''}` : undefined;
    super({
      code: 'PIO_MODEL_NOT_FOUND',
      message: repo
        ? `No model at ${options.path}: no such folder, and ${repo}${revision ? ` (revision ${revision})` : ''} has not been pulled (nothing complete in ${options.modelDir}).`
        : `No model at ${options.path}: no such folder.`,
      hint: pull
        ? `Run \`${pull}\` to download it, or give the path of a checkpoint folder.`
        : 'Give the path of a Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json), or the id of a pulled model (owner/name).',
    });
    this.name = 'ModelNotFoundError';
    this.nameOrPath = options.nameOrPath;
    this.repo = repo;
    this.modelDir = options.modelDir;
  }

  /** True when `error` is a ModelNotFoundError from any installed copy of `@pio/hub`. */
  static override isInstance(error: unknown): error is ModelNotFoundError {
    return PioError.hasMarker(error, marker);
  }
}
