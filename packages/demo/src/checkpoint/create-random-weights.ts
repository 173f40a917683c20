import { bfloat16ToFloat32, float32ToBfloat16 } from '@pio/safetensors';
import type { DecoderShape } from '../config/decoder-shape.js';
import { decoderWeightShapes } from '../config/decoder-weight-shapes.js';
import { RandomCheckpointError } from '../errors/random-checkpoint-error.js';
import { createRng, type Rng } from '../rng/create-rng.js';
import type { CheckpointDtype } from './build-hf-config.js';

/** Options of {@link createRandomWeights}. */
export interface RandomWeightsOptions {
  /** Seeds every tensor (each from its own stream, so one tensor's shape never changes another's values). */
  seed: number;
  /** Values are rounded to what this dtype can hold. */
  dtype: CheckpointDtype;
  /**
   * Makes greedy choices clear-cut (see {@link RandomCheckpointOptions.peaky});
   * 0 or absent for plain random weights.
   */
  peaky?: number;
  /**
   * Ids `[0, regularTokens)` are ordinary tokens; with `peaky`, an untied LM
   * head chains them into each other and never predicts a special or padding
   * id. All of `tokenizerVocabSize` by default.
   */
  regularTokens?: number;
  /**
   * Rows of ids from here on (padding the tokenizer never produces, as in
   * Qwen3's 151,936-row embedding for 151,669 tokens) are zero in the
   * embedding and LM head: their logit is 0, so greedy decoding never picks
   * an id the tokenizer cannot decode. All of `vocab_size` by default.
   */
  tokenizerVocabSize?: number;
}

/**
 * Random weights for a decoder, every tensor named and shaped as in a Hugging
 * Face checkpoint. Scales keep activations O(1) and logits far from flat:
 * embeddings N(0, 1/hidden); projections N(0, 1/in_features); biases N(0, 0.2²);
 * norm weights 1 + N(0, 0.1²); an untied LM head N(0, 1/hidden).
 *
 * @param shape - The checked config.
 * @param options - Seed, dtype and peakiness.
 * @returns Tensor name to values, in checkpoint order, exactly as they will be stored.
 * @throws RandomCheckpointError when `peaky` is negative, or `tokenizerVocabSize` or `regularTokens` is out of range.
 */
export function createRandomWeights(shape: DecoderShape, options: RandomWeightsOptions): Map<string, Float32Array> {
  return new Map(randomWeightTensors(shape, options));
}

/**
 * The tensors of {@link createRandomWeights}, one at a time and in the same
 * order with the same values, made only when the iteration reaches them: a
 * writer can store each and drop it, so a large checkpoint never sits in
 * memory at once (only the embedding is kept, and only while a peaky untied
 * LM head still needs it).
 *
 * @param shape - The checked config.
 * @param options - Seed, dtype and peakiness.
 * @returns `[name, values]` pairs, in checkpoint order.
 * @throws RandomCheckpointError when `peaky` is negative, or `tokenizerVocabSize` or `regularTokens` is out of range.
 */
export function randomWeightTensors(
  shape: DecoderShape,
  options: RandomWeightsOptions,
): IterableIterator<[string, Float32Array]> {
  const { seed, dtype, peaky = 0, tokenizerVocabSize = shape.vocabSize } = options;
  const regularTokens = options.regularTokens ?? tokenizerVocabSize;
  if (!(Number.isFinite(peaky) && peaky >= 0)) {
    throw new RandomCheckpointError({
      where: 'createRandomWeights',
      message: `peaky must be a non-negative number, got ${peaky}.`,
      hint: 'Pass 0 for plain random weights, or about 4-8 for clear-cut greedy choices.',
    });
  }
  for (const [option, value, low] of [
    ['tokenizerVocabSize', tokenizerVocabSize, 1],
    ['regularTokens', regularTokens, 1],
  ] as const) {
    const high = option === 'regularTokens' ? tokenizerVocabSize : shape.vocabSize;
    if (!Number.isInteger(value) || value < low || value > high) {
      throw new RandomCheckpointError({
        where: 'createRandomWeights',
        message: `${option} must be an integer in [${low}, ${high}], got ${value}.`,
        hint: "Pass the tokenizer's number of ids (tokenizerVocabSize) and of ordinary, non-special tokens (regularTokens).",
      });
    }
  }
  return generateTensors(shape, dtype, peaky, regularTokens, tokenizerVocabSize, seed);
}

function* generateTensors(
  shape: DecoderShape,
  dtype: CheckpointDtype,
  peaky: number,
  regularTokens: number,
  tokenizerVocabSize: number,
  seed: number,
): Generator<[string, Float32Array]> {
  const root = createRng(seed);
  const shapes = decoderWeightShapes(shape);
  // Only a peaky untied LM head reads another tensor (the embedding, which comes first).
  let embedding: Float32Array | undefined;
  for (const [name, dims] of shapes) {
    const values = new Float32Array(dims.reduce((product, dim) => product * dim, 1));
    const rng = root.fork(name);
    if (name.endsWith('norm.weight')) {
      rng.fillNormal(values, 0.1, 1);
    } else if (name.endsWith('.bias')) {
      rng.fillNormal(values, 0.2);
    } else if (name.endsWith('.e_score_correction_bias')) {
      // Of the size of the sigmoid scores' spread: it changes which experts win, as trained ones do.
      rng.fillNormal(values, 0.1);
    } else if (name === 'model.embed_tokens.weight') {
      // Small next to what the layers add (as Hugging Face's 0.02 init is), so
      // the layers, not the current token, decide the next token; and a tied
      // LM head gives logits of standard deviation about 1.
      rng.fillNormal(values, 1 / Math.sqrt(shape.hiddenSize));
      if (peaky > 0) scaleRows(values, shape.hiddenSize, peaky);
    } else if (name === 'lm_head.weight' && peaky > 0) {
      chainedHead(values, embedding!, shape.hiddenSize, regularTokens, rng);
      embedding = undefined;
    } else {
      // Linear weights are [out, in]: 1/in variance keeps each output O(1).
      rng.fillNormal(values, 1 / Math.sqrt(dims[1]!));
    }
    if (name === 'model.embed_tokens.weight' || name === 'lm_head.weight') {
      values.fill(0, tokenizerVocabSize * shape.hiddenSize);
    }
    // Rounded in place: no second tensor-sized array.
    const stored = dtype === 'bfloat16' ? bfloat16ToFloat32(float32ToBfloat16(values), values) : values;
    if (name === 'model.embed_tokens.weight' && peaky > 0 && shapes.has('lm_head.weight')) embedding = stored;
    yield [name, stored];
  }
}

/** Scales every row to root-mean-square `rms`, so no token's embedding is louder than another's. */
function scaleRows(values: Float32Array, width: number, rms: number): void {
  for (let start = 0; start < values.length; start += width) {
    let sumOfSquares = 0;
    for (let i = 0; i < width; i++) sumOfSquares += values[start + i]! ** 2;
    const scale = rms / Math.sqrt(sumOfSquares / width);
    for (let i = 0; i < width; i++) values[start + i] = values[start + i]! * scale;
  }
}

/**
 * An LM head whose row `v` is the unit-length embedding of token `π(v)`, for a
 * seeded shuffle `π` of the regular tokens (other ids map to themselves).
 * When the last hidden state points along the current token's embedding, token
 * `π⁻¹(current)` wins by about `sqrt(hidden)` standard deviations of the other
 * logits, so greedy decoding walks a fixed chain instead of repeating.
 */
function chainedHead(
  head: Float32Array,
  embedding: Float32Array,
  width: number,
  regularTokens: number,
  rng: Rng,
): void {
  const rows = head.length / width;
  const order = new Int32Array(rows);
  for (let v = 0; v < rows; v++) order[v] = v;
  for (let i = regularTokens - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  for (let v = 0; v < rows; v++) {
    const source = order[v]! * width;
    let sumOfSquares = 0;
    for (let i = 0; i < width; i++) sumOfSquares += embedding[source + i]! ** 2;
    const scale = sumOfSquares > 0 ? 1 / Math.sqrt(sumOfSquares) : 0;
    for (let i = 0; i < width; i++) head[v * width + i] = embedding[source + i]! * scale;
  }
}
