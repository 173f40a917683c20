import type { EngineName } from '../engines/engine-job.js';

/** What one engine process of the batching comparison is asked to measure (a JSON file named in argv). */
export interface BatchJob {
  /** The engine. */
  engine: EngineName;
  /** For PIO: the Hugging Face checkpoint folder. For llama.cpp: the `.gguf` file. */
  model: string;
  /** For PIO: the dtype to build. For llama.cpp: informational (the GGUF's type). */
  dtype: string;
  /** PIO's build cache folder. */
  cacheDir?: string;
  /** Threads for the engine. */
  threads: number;
  /** Concurrent sequences per level, timed in this order (each level after a warm-up of its own size). */
  levels: readonly number[];
  /**
   * Distinct prompts (no prefix is shared), twice the largest level's count:
   * a level times the first ones, its warm-up runs on the second half.
   */
  prompts: readonly (readonly number[])[];
  /** Greedy tokens each sequence generates (fewer when it meets an end-of-sequence token). */
  decodeTokens: number;
  /** For PIO: load the `@pio/*` packages from their built `dist/` (see `EngineJob.fromDist`). */
  fromDist?: boolean;
}

/** One level's timings: `sequences` generations started together. */
export interface BatchLevelResult {
  /** Concurrent sequences. */
  sequences: number;
  /** Milliseconds from starting the first sequence to the end of the last. */
  wallMs: number;
  /** Tokens generated over all sequences. */
  tokens: number;
  /** `tokens` per second of `wallMs`: the aggregate throughput. */
  tokensPerSecond: number;
  /** Each sequence's time to its first token, ms, sorted. */
  timeToFirstTokenMs: number[];
}

/** What a batching engine process prints (one JSON line on stdout). */
export interface BatchResult {
  /** The job's engine. */
  engine: EngineName;
  /** One entry per level, in job order. */
  levels: BatchLevelResult[];
  /** Peak resident set size of the process, bytes. */
  peakRssBytes: number;
}

/**
 * Runs `sequences` generations at once through `generate` (each yields its
 * token times) and sums them up.
 */
export async function timeLevel(
  sequences: number,
  prompts: readonly (readonly number[])[],
  generate: (prompt: readonly number[]) => AsyncIterable<number>,
): Promise<BatchLevelResult> {
  const started = performance.now();
  const perSequence = await Promise.all(
    prompts.slice(0, sequences).map(async (prompt) => {
      let tokens = 0;
      let first = Number.NaN;
      for await (const _token of generate(prompt)) {
        if (tokens === 0) first = performance.now() - started;
        tokens++;
      }
      return { tokens, first };
    }),
  );
  const wallMs = performance.now() - started;
  const tokens = perSequence.reduce((sum, sequence) => sum + sequence.tokens, 0);
  return {
    sequences,
    wallMs,
    tokens,
    tokensPerSecond: (tokens / wallMs) * 1000,
    timeToFirstTokenMs: perSequence.map((sequence) => sequence.first).sort((a, b) => a - b),
  };
}
