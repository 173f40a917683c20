/**
 * `pnpm bench:decode-attention`: decode ms/step at contexts 64, 512 and 1536
 * on the SmolLM2-135M shape (float32 and int4) for each layout of the decode
 * graph's attention (`decodeAttention` of `buildDecoderTransformer`:
 * `'grouped'` and `'block-diagonal'`). Both graphs run in one process per
 * dtype, in alternating blocks of steps, and every round measures every
 * context (load from other processes hits layouts and contexts alike); each
 * block starts from the same prefilled context (compare-decode-graphs.ts).
 * Writes benchmarks/results/decode-attention.json.
 */
import { compareDecodeGraphs } from './compare-decode-graphs.js';

await compareDecodeGraphs({
  name: 'decode-attention',
  variants: ['grouped', 'block-diagonal'],
  graphOptions: { grouped: { decodeAttention: 'grouped' }, 'block-diagonal': { decodeAttention: 'block-diagonal' } },
  rounds: 10,
});
