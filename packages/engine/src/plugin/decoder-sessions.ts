import type { DecoderConfig } from '@pio/core';
import { BatchScheduler } from '../batch/batch-scheduler.js';
import { type DecoderGraphs, DecoderRunner } from '../decoder/decoder-runner.js';
import type { DecoderCacheShape, DecoderModelDefinition } from './decoder-model-definition.js';

/**
 * The cache rows of one layer per token: the definition's `cacheShape`, or
 * K and V of `numKeyValueHeads * headDim` floats each.
 */
export function decoderCacheShape<TConfig extends DecoderConfig>(
  definition: Pick<DecoderModelDefinition<TConfig>, 'cacheShape'>,
  config: TConfig,
): DecoderCacheShape {
  const standardRow = config.numKeyValueHeads * config.headDim;
  return definition.cacheShape?.(config) ?? { keyRowSize: standardRow, valueRowSize: standardRow };
}

/**
 * A loaded model: the onnxruntime sessions of its graphs in a
 * {@link DecoderRunner}, and the {@link BatchScheduler} every generation goes
 * through. Memory: the sessions hold the graphs' weights; the runner's KV
 * cache grows with the tokens fed, up to the context length, and the
 * scheduler's slots with the sequences batched.
 */
export class DecoderSessions {
  private constructor(
    /** The graphs' sessions and the one-sequence KV cache. */
    readonly runner: DecoderRunner,
    /** Runs every concurrent generation, batched. */
    readonly scheduler: BatchScheduler,
  ) {}

  /**
   * Creates the sessions of built `graphs` with a KV cache shaped by `config`
   * (layers, context length, rows of {@link decoderCacheShape}), the config's
   * threads and execution provider, and a scheduler of `maxBatchSize`.
   */
  static async open<TConfig extends DecoderConfig>(
    graphs: DecoderGraphs,
    config: TConfig,
    definition: Pick<DecoderModelDefinition<TConfig>, 'cacheShape'>,
  ): Promise<DecoderSessions> {
    const cacheShape = decoderCacheShape(definition, config);
    const runner = await DecoderRunner.create(
      graphs,
      {
        numLayers: config.numHiddenLayers,
        rowSize: cacheShape.keyRowSize,
        valueRowSize: cacheShape.valueRowSize,
        vocabSize: config.vocabSize,
        maxLength: config.maxContextLength,
        numKeyValueHeads: config.numKeyValueHeads,
        headDim: config.headDim,
      },
      { numThreads: config.numThreads, executionProvider: config.executionProvider },
    );
    return new DecoderSessions(runner, new BatchScheduler(runner, { maxBatchSize: config.maxBatchSize }));
  }

  /** Stops the scheduler, then releases the sessions. */
  async dispose(): Promise<void> {
    this.scheduler.dispose();
    await this.runner.dispose();
  }
}
