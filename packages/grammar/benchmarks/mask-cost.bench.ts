/**
 * Cost of the grammar constraint per generated token, on real vocabularies
 * (GPT-2 50k as a stand-in for SmolLM2's 49k, Llama 3 128k, Qwen3 152k):
 * vocabulary preprocessing, schema compile, and per step the mask
 * computation (prefetched while the model runs), applying it to a row of
 * logits, and accepting the token. A random walk through the grammar picks
 * the best allowed token of random logits, as a random-weight model would.
 *
 * Run: pnpm --filter @pio/grammar bench [-- --steps 400 --decode-ms 12]
 * `--decode-ms` is a decode step of the model you compare with (for example
 * SmolLM2-135M int4 ≈ 11–13 ms, Qwen3-0.6B-shaped ≈ 25 ms on this machine); the
 * JSON then has mask cost as a share of it. Prints one JSON object.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createRng, loadTokenizerFiles, randomJsonSchema, type TokenizerName } from '@pio/test-kit';
import { TokenGrammarCompiler, vocabularyFromTokenizerJson } from '../src/index.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '400' },
    'decode-ms': { type: 'string' },
    schemas: { type: 'string', default: '10' },
  },
});
const steps = Number(values.steps);
const decodeMs = values['decode-ms'] ? Number(values['decode-ms']) : undefined;
const schemaCount = Number(values.schemas);

const eosOf: Record<TokenizerName, number> = { gpt2: 50256, llama3: 128009, qwen3: 151645 };

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  return { mean: round(mean), p50: round(at(0.5)), p99: round(at(0.99)), max: round(at(1)), n: times.length };
}
const round = (x: number) => Math.round(x * 1000) / 1000;

const results = [];
for (const name of ['gpt2', 'llama3', 'qwen3'] as const) {
  const files = await loadTokenizerFiles(name);
  const eos = eosOf[name];
  const vocabulary = vocabularyFromTokenizerJson(files.tokenizerJson, { stopTokenIds: [eos] });
  let t = performance.now();
  const compiler = await TokenGrammarCompiler.create(vocabulary);
  const vocabularyMs = performance.now() - t;
  const compileMs: number[] = [];
  const prefetch: number[] = [];
  const apply: number[] = [];
  const accept: number[] = [];
  const rng = createRng(1);
  const logits = new Float32Array(vocabulary.vocabSize);
  for (let s = 0; s < schemaCount && prefetch.length < steps; s++) {
    t = performance.now();
    const constraint = await compiler.constraint({ kind: 'json-schema', schema: randomJsonSchema(1000 + s) });
    compileMs.push(performance.now() - t);
    for (;;) {
      t = performance.now();
      await constraint.ready();
      prefetch.push(performance.now() - t);
      for (let i = 0; i < logits.length; i++) logits[i] = rng.next();
      t = performance.now();
      constraint.mask(logits);
      apply.push(performance.now() - t);
      let best = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
      t = performance.now();
      constraint.accept(best);
      accept.push(performance.now() - t);
      if (best === eos || constraint.isTerminated) break;
    }
    constraint.dispose();
  }
  compiler.dispose();
  const perToken = summary(prefetch.map((p, i) => p + apply[i]! + accept[i]!));
  results.push({
    tokenizer: name,
    vocabSize: vocabulary.vocabSize,
    vocabularyPreprocessMs: round(vocabularyMs),
    schemaCompileMs: summary(compileMs),
    // ms per generated token
    maskComputeMs: summary(prefetch),
    maskApplyMs: summary(apply),
    acceptMs: summary(accept),
    totalPerTokenMs: perToken,
    ...(decodeMs ? { shareOfDecodeStep: round(perToken.mean / decodeMs) } : {}),
  });
}
process.stdout.write(`${JSON.stringify({ steps, decodeMs, results }, null, 2)}\n`);
