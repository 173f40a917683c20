import { ConfigError, type ConfigIssue } from '@pio/core';
import { argmax } from './argmax.js';
import { type RandomSource, seededRandom } from './seeded-random.js';

/** How the next token is chosen from a row of logits. */
export interface SamplingSettings {
  /** Softmax temperature; 0 means greedy. Default 1. */
  temperature?: number;
  /** Keep only the `topK` most likely tokens; 0 turns it off. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches `topP`; 1 turns it off. */
  topP?: number;
  /** Drop tokens whose probability is below `minP` × the top probability; 0 turns it off. */
  minP?: number;
  /** Hugging Face's repetition penalty over every token seen (prompt and output); 1 turns it off. */
  repetitionPenalty?: number;
  /** OpenAI's presence penalty: subtracted once from each token already generated. */
  presencePenalty?: number;
  /** OpenAI's frequency penalty: subtracted per occurrence of each token already generated. */
  frequencyPenalty?: number;
  /** Seed of the random source; the same seed and settings give the same tokens. Default: random. */
  seed?: number;
}

/** Token ids seen so far: the prompt's and the generated ones with their counts. */
export class TokenHistory {
  /** Every id of the prompt and the output. */
  readonly seen = new Set<number>();
  /** Occurrences of each generated id. */
  readonly generatedCounts = new Map<number, number>();

  /** Starts with the prompt's ids. */
  constructor(promptIds: readonly number[] = []) {
    for (const id of promptIds) this.seen.add(id);
  }

  /** Records a generated id. */
  add(id: number): void {
    this.seen.add(id);
    this.generatedCounts.set(id, (this.generatedCounts.get(id) ?? 0) + 1);
  }
}

/**
 * Chooses tokens from logits on typed arrays in JS, in Hugging Face's order:
 * penalties, temperature, then the top-k, top-p and min-p filters (as transformers applies its warpers), then a
 * draw from the renormalized distribution. Only the candidates that survive
 * the filters are sorted, so a 150k vocabulary costs one pass plus a small sort.
 */
export class Sampler {
  /** The settings in force (defaults filled). */
  readonly settings: Required<Omit<SamplingSettings, 'seed'>> & { seed: number };
  private readonly random: RandomSource;

  /** @throws ConfigError listing every out-of-range setting (before any token is computed). */
  constructor(settings: SamplingSettings = {}) {
    const seed = settings.seed ?? Math.floor(Math.random() * 2 ** 32);
    this.settings = {
      temperature: settings.temperature ?? 1,
      topK: settings.topK ?? 0,
      topP: settings.topP ?? 1,
      minP: settings.minP ?? 0,
      repetitionPenalty: settings.repetitionPenalty ?? 1,
      presencePenalty: settings.presencePenalty ?? 0,
      frequencyPenalty: settings.frequencyPenalty ?? 0,
      seed,
    };
    const s = this.settings;
    const issues: ConfigIssue[] = [];
    const check = (ok: boolean, field: keyof SamplingSettings, rule: string) => {
      if (!ok) issues.push({ field, value: s[field], rule });
    };
    check(s.temperature >= 0 && Number.isFinite(s.temperature), 'temperature', 'must be a finite number >= 0');
    check(Number.isInteger(s.topK) && s.topK >= 0, 'topK', 'must be an integer >= 0');
    check(s.topP > 0 && s.topP <= 1, 'topP', 'must be in (0, 1]');
    check(s.minP >= 0 && s.minP <= 1, 'minP', 'must be in [0, 1]');
    check(
      s.repetitionPenalty > 0 && Number.isFinite(s.repetitionPenalty),
      'repetitionPenalty',
      'must be a finite number > 0',
    );
    check(Number.isFinite(s.presencePenalty), 'presencePenalty', 'must be finite');
    check(Number.isFinite(s.frequencyPenalty), 'frequencyPenalty', 'must be finite');
    if (issues.length > 0) throw new ConfigError({ configName: 'SamplingSettings', issues });
    this.random = seededRandom(seed);
  }

  /** True when every choice is the argmax (temperature 0). */
  get greedy(): boolean {
    return this.settings.temperature === 0;
  }

  /**
   * Picks the next token from `logits[offset, offset + vocabSize)`. The row is
   * modified in place by the penalties (pass a copy to keep it).
   */
  sample(logits: Float32Array, history: TokenHistory, offset = 0, vocabSize = logits.length - offset): number {
    const row = logits.subarray(offset, offset + vocabSize);
    applyPenalties(row, history, this.settings);
    if (this.greedy) return argmax(row);
    const candidates = filterCandidates(row, this.settings);
    let threshold = this.random() * candidates.total;
    for (let i = 0; i < candidates.ids.length; i++) {
      threshold -= candidates.weights[i]!;
      if (threshold < 0) return candidates.ids[i]!;
    }
    return candidates.ids[candidates.ids.length - 1]!;
  }
}

/** Applies repetition, presence and frequency penalties to a row of logits, in place. */
export function applyPenalties(row: Float32Array, history: TokenHistory, settings: SamplingSettings): void {
  const repetition = settings.repetitionPenalty ?? 1;
  if (repetition !== 1) {
    for (const id of history.seen) {
      if (id >= row.length) continue;
      const value = row[id]!;
      row[id] = value > 0 ? value / repetition : value * repetition;
    }
  }
  const presence = settings.presencePenalty ?? 0;
  const frequency = settings.frequencyPenalty ?? 0;
  if (presence !== 0 || frequency !== 0) {
    for (const [id, count] of history.generatedCounts) {
      if (id < row.length) row[id] = row[id]! - presence - frequency * count;
    }
  }
}

/**
 * The tokens that survive temperature, top-k, top-p and min-p, with
 * unnormalized weights: most likely first when top-k or top-p is on,
 * otherwise in id order.
 */
export interface Candidates {
  /** Token ids, most likely first. */
  ids: Int32Array;
  /** exp((logit - max) / temperature) of each id. */
  weights: Float64Array;
  /** Sum of `weights`. */
  total: number;
}

/**
 * Applies temperature and the top-k, top-p and min-p filters to a row of
 * logits and returns the survivors. A token whose weight is below 1e-12 of the
 * top one can never be drawn in float64 sums, so it is cut before sorting.
 */
export function filterCandidates(row: Float32Array, settings: SamplingSettings): Candidates {
  const temperature = settings.temperature ?? 1;
  const topK = settings.topK ?? 0;
  const topP = settings.topP ?? 1;
  const minP = settings.minP ?? 0;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  const floor = max - 27.6 * temperature; // exp(-27.6) ≈ 1e-12
  let count = 0;
  for (let i = 0; i < row.length; i++) if (row[i]! >= floor) count++;
  const ids = new Int32Array(count);
  for (let i = 0, j = 0; i < row.length; i++) if (row[i]! >= floor) ids[j++] = i;
  // Only top-k and top-p need the order; min-p and plain sampling need the maximum alone.
  if (topK > 0 || topP < 1) ids.sort((a, b) => row[b]! - row[a]! || a - b);

  let keep = topK > 0 ? Math.min(topK, ids.length) : ids.length;
  const weights = new Float64Array(keep);
  let total = 0;
  for (let i = 0; i < keep; i++) {
    weights[i] = Math.exp((row[ids[i]!]! - max) / temperature);
    total += weights[i]!;
  }
  if (topP < 1) {
    let mass = 0;
    let kept = 0;
    while (kept < keep) {
      mass += weights[kept]! / total;
      kept++;
      if (mass >= topP) break;
    }
    keep = Math.max(1, kept);
  }
  let keptIds = ids.subarray(0, keep);
  let keptWeights = weights.subarray(0, keep);
  if (minP > 0) {
    // Weights are relative to the maximum (1), so the cutoff is minP itself; order is kept.
    const survivors: number[] = [];
    for (let i = 0; i < keep; i++) if (keptWeights[i]! >= minP) survivors.push(i);
    keptIds = Int32Array.from(survivors, (i) => keptIds[i]!);
    keptWeights = Float64Array.from(survivors, (i) => keptWeights[i]!);
  }
  total = 0;
  for (let i = 0; i < keptWeights.length; i++) total += keptWeights[i]!;
  return { ids: keptIds.slice(), weights: keptWeights.slice(), total };
}
