import { basename } from 'node:path';
import { checkShape } from './check-shape.js';
import { MissingTensorError } from './errors/missing-tensor-error.js';
import { WeightFileError } from './errors/weight-file-error.js';
import type { SafetensorsFile, TensorInfo } from './safetensors-file.js';
import { similarNames } from './similar-names.js';

/** How a {@link WeightStore} is put together; built by {@link openCheckpointWeights}. */
export interface WeightStoreParts {
  /** The checkpoint folder, file or index the store reads, for messages. */
  source: string;
  /** The shard file of every tensor, in checkpoint order. */
  tensorFiles: ReadonlyMap<string, string>;
  /** Files already open (their headers were needed up front); others open on first use. */
  openFiles: readonly SafetensorsFile[];
  /** Opens a shard the first time one of its tensors is needed. */
  openFile: (path: string) => Promise<SafetensorsFile>;
  /** Bytes of tensor data in the checkpoint (see {@link WeightStore.totalBytes}). */
  totalBytes: number;
  /** The index file that mapped tensors to shards, when there is one. */
  indexFile?: string;
}

/**
 * The weights of one checkpoint, in one `model.safetensors`, in shards listed
 * by `model.safetensors.index.json`, or in several `.safetensors` files.
 * Shards listed in an index are opened on first use; every tensor is read on
 * demand, one buffer per tensor.
 *
 * Tensor names and {@link WeightStore.has} come from the index and need no
 * disk access; everything about a tensor itself (`info`, `read`) may open
 * its shard, hence is async.
 *
 * @example
 * ```ts
 * await using weights = await openCheckpointWeights(checkpointDir);
 * await weights.expectShape('model.embed_tokens.weight', [config.vocabSize, config.hiddenSize]);
 * const embeddings = await weights.read('model.embed_tokens.weight'); // Float32Array
 * ```
 */
export class WeightStore {
  /** The checkpoint folder, file or index this store reads. */
  readonly source: string;

  /**
   * Bytes of tensor data in the checkpoint: the sum of the tensors' sizes, or
   * for an index its `metadata.total_size` (the shard files' total size when
   * it has none).
   */
  readonly totalBytes: number;

  /** Every weight file of the checkpoint, in order. */
  readonly files: readonly string[];

  readonly #tensorFiles: ReadonlyMap<string, string>;
  readonly #opened = new Map<string, Promise<SafetensorsFile>>();
  readonly #ready = new Set<SafetensorsFile>();
  readonly #openFile: (path: string) => Promise<SafetensorsFile>;
  readonly #indexFile: string | undefined;
  #closed = false;

  /** Builds a store from its parts; use {@link openCheckpointWeights} instead. */
  constructor(parts: WeightStoreParts) {
    this.source = parts.source;
    this.totalBytes = parts.totalBytes;
    this.#tensorFiles = parts.tensorFiles;
    this.#openFile = parts.openFile;
    this.#indexFile = parts.indexFile;
    this.files = [...new Set(parts.tensorFiles.values())];
    for (const file of parts.openFiles) {
      this.#opened.set(file.path, Promise.resolve(file));
      this.#ready.add(file);
    }
  }

  /** Every tensor's name, in checkpoint order. */
  tensorNames(): string[] {
    return [...this.#tensorFiles.keys()];
  }

  /** True when the checkpoint holds a tensor called `name`. */
  has(name: string): boolean {
    return this.#tensorFiles.has(name);
  }

  /**
   * The weight file holding a tensor (no disk access).
   *
   * @throws MissingTensorError when there is no such tensor (the message lists similar names).
   */
  fileOf(name: string): string {
    const file = this.#tensorFiles.get(name);
    if (file !== undefined) return file;
    throw new MissingTensorError({
      file: this.source,
      tensor: name,
      similar: similarNames(name, this.#tensorFiles.keys()),
      tensorCount: this.#tensorFiles.size,
    });
  }

  /** Bytes read from disk so far by the files opened: their headers and every tensor read. */
  get bytesRead(): number {
    let sum = 0;
    for (const file of this.#ready) sum += file.bytesRead;
    return sum;
  }

  /**
   * A tensor's dtype, shape and size (opens its shard if needed).
   *
   * @throws MissingTensorError when there is no such tensor.
   * @throws WeightFileError when its shard is damaged or does not hold it although the index says so.
   */
  async info(name: string): Promise<TensorInfo> {
    return (await this.#fileWith(name)).info(name);
  }

  /**
   * Reads a tensor as float32 values, converting F16 and BF16.
   *
   * @throws MissingTensorError when there is no such tensor.
   * @throws UnsupportedDtypeError when its dtype is not F32, F16 or BF16.
   * @throws WeightFileError when its shard is damaged, closed, or does not hold it.
   */
  async read(name: string): Promise<Float32Array> {
    return (await this.#fileWith(name)).read(name);
  }

  /**
   * Reads a tensor's stored bytes as they are, in any dtype.
   *
   * @throws MissingTensorError when there is no such tensor.
   * @throws WeightFileError when its shard is damaged, closed, or does not hold it.
   */
  async readRaw(name: string): Promise<Uint8Array> {
    return (await this.#fileWith(name)).readRaw(name);
  }

  /**
   * Checks a tensor's shape against the one the model's `config.json`
   * implies, before any data is read.
   *
   * @param name - The tensor.
   * @param expected - The shape the config implies.
   * @returns The tensor's info, when its shape matches.
   * @throws TensorShapeError when the shapes differ (names the file, the tensor and both shapes).
   * @throws MissingTensorError when there is no such tensor.
   */
  async expectShape(name: string, expected: readonly number[]): Promise<TensorInfo> {
    const file = await this.#fileWith(name);
    const info = file.info(name);
    checkShape(file.path, name, info.shape, expected);
    return info;
  }

  /**
   * Opens every shard and checks that each holds the tensors the index
   * assigns to it. Reading works without this; it finds a damaged download
   * up front instead of halfway through loading.
   *
   * @throws WeightFileError for the first shard that is damaged or lacks a tensor.
   */
  async validate(): Promise<void> {
    for (const name of this.#tensorFiles.keys()) await this.#fileWith(name);
  }

  /** Closes every open file. Safe to call more than once; reads after it fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Shards still opening close themselves when they finish (see #fileWith).
    await Promise.all([...this.#ready].map((file) => file.close()));
  }

  /** Closes every open file at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #fileWith(name: string): Promise<SafetensorsFile> {
    const path = this.fileOf(name);
    if (this.#closed) throw this.#closedError(name);
    let opening = this.#opened.get(path);
    if (opening === undefined) {
      opening = this.#openFile(path).then(async (file) => {
        if (this.#closed) {
          await file.close();
          throw this.#closedError(name);
        }
        this.#ready.add(file);
        return file;
      });
      this.#opened.set(path, opening);
    }
    const file = await opening;
    if (!file.has(name)) {
      throw new WeightFileError({
        file: path,
        tensor: name,
        reason: `the index ${this.#indexFile ?? this.source} says this shard holds the tensor, but ${basename(path)} has no such tensor (it holds ${file.tensorNames().length}).`,
        hint: 'The index and its shards come from different exports: re-download the checkpoint, or re-export it with save_pretrained.',
      });
    }
    return file;
  }

  #closedError(name: string): WeightFileError {
    return new WeightFileError({
      file: this.source,
      tensor: name,
      reason: 'the checkpoint weights were already closed.',
      hint: 'Read every tensor you need before calling close(), or open the checkpoint again.',
    });
  }
}
