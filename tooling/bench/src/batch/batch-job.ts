import { type EngineName, peakRssBytes } from '../engines/engine-job.js';

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

/** One level's generations, as an engine opens them for {@link measureBatch}. */
export interface BatchLevelSession {
  /** Generates one sequence from `prompt`, yielding its tokens; called `sequences` times at once. */
  generate(prompt: readonly number[]): AsyncIterable<number>;
  /** Releases what the level holds (for example its context), after its timed run. */
  dispose?(): Promise<void>;
}

/** What an engine process supplies to {@link measureBatch}: everything that is its own. */
export interface BatchEngine {
  /** The engine, reported in the result. */
  engine: EngineName;
  /** Gets ready to run `sequences` generations at once (its warm-up and its timed run). */
  openLevel(sequences: number): Promise<BatchLevelSession>;
  /** Releases the model, after the peak RSS is read. */
  dispose(): Promise<void>;
}

/**
 * Times every level of `job` through `engine`: for each, a warm-up of the
 * level's size on the second half of the prompts, then {@link timeLevel} on
 * the first. Returns the result an engine process prints.
 */
export async function measureBatch(
  job: Pick<BatchJob, 'levels' | 'prompts'>,
  engine: BatchEngine,
): Promise<BatchResult> {
  const levels: BatchLevelResult[] = [];
  for (const sequences of job.levels) {
    const session = await engine.openLevel(sequences);
    const generate = (prompt: readonly number[]) => session.generate(prompt);
    await timeLevel(sequences, job.prompts.slice(job.prompts.length / 2), generate);
    levels.push(await timeLevel(sequences, job.prompts, generate));
    await session.dispose?.();
  }
  const result: BatchResult = { engine: engine.engine, levels, peakRssBytes: peakRssBytes() };
  await engine.dispose();
  return result;
}
