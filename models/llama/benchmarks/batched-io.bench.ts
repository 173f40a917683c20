/**
 * `node --conditions=@pio/source --import tsx benchmarks/batched-io.bench.ts [int4|float32]`:
 * what the batched inputs of continuous batching cost a single sequence.
 * Decode ms/step at contexts 64, 512 and 1536 on the SmolLM2-135M shape for
 * the graph built with the engine's batched I/O (`decoderIo.batch`: one more
 * `If` per layer, per-token rotary positions, empty batch inputs fed) and the
 * same graph without it, both in one process, alternating blocks of steps (the
 * method of decode-attention.bench.ts, in compare-decode-graphs.ts). Writes
 * benchmarks/results/batched-io.json.
 */
import { decoderIo } from '@pio/engine';
import { compareDecodeGraphs } from './compare-decode-graphs.js';

await compareDecodeGraphs({
  name: 'batched-io',
  variants: ['single-io', 'batched-io'],
  graphOptions: { 'single-io': { io: { ...decoderIo, batch: undefined } }, 'batched-io': { io: decoderIo } },
  rounds: 4,
});
