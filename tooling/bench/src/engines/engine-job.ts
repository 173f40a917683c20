/** Which engine a worker process runs. */
export type EngineName = 'pio' | 'llama.cpp';

/** What one engine process is asked to measure (a JSON file named in argv: a large argv crashes onnxruntime-node 1.30's first session). */
export interface EngineJob {
  /** The engine. */
  engine: EngineName;
  /** For PIO: the Hugging Face checkpoint folder. For llama.cpp: the `.gguf` file. */
  model: string;
  /** For PIO: the dtype to build (`float32`, `int4`, ...; `file`: a GGUF's own precision). For llama.cpp: informational (the GGUF's type). */
  dtype: string;
  /** PIO's build cache folder. */
  cacheDir?: string;
  /** Threads for the engine. */
  threads: number;
  /** Context the engine is created with (≥ longest prompt + decode steps). */
  contextSize: number;
  /** Tokens fed to reach the first token of a fresh process (a short prompt). */
  startPrompt: number[];
  /** Prompts to time, each followed by `decodeTokens` greedy tokens. */
  prompts: number[][];
  /** Greedy tokens generated after each prompt (the first one ends the prefill). */
  decodeTokens: number;
  /**
   * For PIO: load the `@pio/*` packages from their built `dist/` (as an
   * installed `pio` does) instead of their TypeScript sources through tsx,
   * whose transpiling adds about a second and 35 MB to a fresh process.
   */
  fromDist?: boolean;
}

/** One prompt's timings. */
export interface PromptTiming {
  /** Tokens in the prompt. */
  promptTokens: number;
  /** Milliseconds from feeding the prompt to having its first new token. */
  timeToFirstTokenMs: number;
  /** Prompt tokens per second of that time. */
  prefillTokensPerSecond: number;
  /** Tokens per second over the tokens after the first. */
  decodeTokensPerSecond: number;
  /** The greedy tokens generated (for checking both engines run the same model). */
  tokens: number[];
}

/** What an engine process prints (one JSON line on stdout). */
export interface EngineResult {
  /** The job's engine. */
  engine: EngineName;
  /** Milliseconds from process start (performance.timeOrigin) until the model is loaded. */
  loadMs: number;
  /** Milliseconds from process start to the first token of `startPrompt`. */
  startToFirstTokenMs: number;
  /** Timings per prompt, in job order. */
  prompts: PromptTiming[];
  /** Peak resident set size of the process, bytes. */
  peakRssBytes: number;
  /** Bytes of weights the engine holds (PIO: its built graph's weights; llama.cpp: the GGUF's tensor data). */
  weightBytes: number;
}

/** A prompt's timings from its clock readings: fed at `started`, first token at `first`, last at `last`. */
export function promptTiming(
  promptTokens: number,
  tokens: number[],
  started: number,
  first: number,
  last: number,
): PromptTiming {
  const ttft = first - started;
  return {
    promptTokens,
    timeToFirstTokenMs: ttft,
    prefillTokensPerSecond: (promptTokens / ttft) * 1000,
    decodeTokensPerSecond: ((tokens.length - 1) / (last - first)) * 1000,
    tokens,
  };
}

/** Index of the largest value (first on ties). */
export function argmax(values: Float32Array, offset = 0, length = values.length - offset): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < length; i++) {
    const value = values[offset + i]!;
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  }
  return best;
}

/** Peak RSS so far, bytes (`maxRSS` is in KiB on Linux). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
