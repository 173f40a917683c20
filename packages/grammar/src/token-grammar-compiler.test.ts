import { createRng, loadTokenizerFiles, randomJsonSchema } from '@pio/test-kit';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrammarConstraint } from './grammar-constraint.js';
import type { GrammarSpec } from './grammar-spec.js';
import { TokenGrammarCompiler } from './token-grammar-compiler.js';
import { vocabularyFromTokenizerJson } from './token-vocabulary.js';

// A random walk through the grammar: at each step the mask is applied to random logits and the
// best survivor is taken, as greedy decoding of a random-weight model would. Real GPT-2 vocabulary.
async function walk(
  constraint: GrammarConstraint,
  tokens: readonly string[],
  eos: number,
  seed: number,
  maxSteps = 400,
) {
  const rng = createRng(seed);
  const logits = new Float32Array(constraint.vocabSize);
  const ids: number[] = [];
  for (let step = 0; step < maxSteps; step++) {
    for (let i = 0; i < logits.length; i++) logits[i] = rng.next();
    await constraint.ready();
    constraint.mask(logits);
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    expect(constraint.accept(best)).toBe(true);
    if (best === eos) break;
    ids.push(best);
  }
  expect(constraint.isTerminated).toBe(true);
  // Byte-level tokens: map the GPT-2 byte alphabet back to bytes.
  return decodeByteLevel(ids.map((id) => tokens[id]!).join(''));
}

const byteDecoder = (() => {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = [...bytes];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + extra++);
    }
  }
  return new Map(chars.map((c, i) => [String.fromCodePoint(c), bytes[i]!]));
})();

function decodeByteLevel(text: string): string {
  return Buffer.from([...text].map((c) => byteDecoder.get(c) ?? 63)).toString('utf8');
}

describe('TokenGrammarCompiler on the GPT-2 vocabulary', () => {
  let compiler: TokenGrammarCompiler;
  let tokens: readonly string[];
  const eos = 50256;

  beforeAll(async () => {
    const files = await loadTokenizerFiles('gpt2');
    const vocabulary = vocabularyFromTokenizerJson(files.tokenizerJson, { stopTokenIds: [eos] });
    expect(vocabulary.vocabularyType).toBe('byte_level');
    tokens = vocabulary.tokens;
    compiler = await TokenGrammarCompiler.create(vocabulary);
  });
  afterAll(() => compiler?.dispose());

  it('keeps random walks inside 20 random schemas: every output parses and validates', async () => {
    const ajv = new Ajv({ strict: false });
    for (let seed = 0; seed < 20; seed++) {
      const schema = randomJsonSchema(seed);
      const constraint = await compiler.constraint({ kind: 'json-schema', schema });
      const text = await walk(constraint, tokens, eos, seed);
      constraint.dispose();
      const validate = ajv.compile(schema);
      const value = JSON.parse(text) as unknown;
      expect(validate(value), `seed ${seed}: ${text} vs ${JSON.stringify(schema)}`).toBe(true);
    }
  });

  it('forces a bounded number to an integer inside its range (XGrammar lets 10.5 through a maximum of 10)', async () => {
    const schema = { type: 'object', properties: { x: { type: 'number', minimum: -5, maximum: 10 } }, required: ['x'] };
    for (let seed = 0; seed < 5; seed++) {
      const constraint = await compiler.constraint({ kind: 'json-schema', schema });
      const value = JSON.parse(await walk(constraint, tokens, eos, 100 + seed)) as { x: number };
      constraint.dispose();
      expect(Number.isInteger(value.x) && value.x >= -5 && value.x <= 10).toBe(true);
    }
  });

  it('writes one Hermes tool call whose arguments match the parameters, and one Llama 3 JSON call', async () => {
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string', maxLength: 6 }, unit: { enum: ['c', 'f'] } },
            required: ['city', 'unit'],
          },
        },
      },
      { type: 'function' as const, function: { name: 'now' } },
    ];
    const hermes: GrammarSpec = { kind: 'tool-call', tools, syntax: 'hermes' };
    const text = await walk(await compiler.constraint(hermes), tokens, eos, 7);
    const match = /^<tool_call>\n(.*)\n<\/tool_call>$/s.exec(text);
    expect(match, text).not.toBeNull();
    const call = JSON.parse(match![1]!) as { name: string; arguments: Record<string, unknown> };
    expect(['get_weather', 'now']).toContain(call.name);
    if (call.name === 'now') expect(call.arguments).toEqual({});
    else expect(['c', 'f']).toContain(call.arguments.unit);

    const llama = JSON.parse(
      await walk(
        await compiler.constraint({ kind: 'tool-call', tools: [tools[0]!], syntax: 'llama3-json' }),
        tokens,
        eos,
        8,
      ),
    ) as { name: string; parameters: { city: string } };
    expect(llama.name).toBe('get_weather');
    expect(llama.parameters.city.length).toBeLessThanOrEqual(6);
  });

  it('allows any object for json-object, and caches a compiled grammar by its spec', async () => {
    const spec: GrammarSpec = { kind: 'json-object' };
    const first = await compiler.compile(spec);
    expect(await compiler.compile({ kind: 'json-object' })).toBe(first);
    const constraint = await compiler.constraint(spec);
    const logits = new Float32Array(compiler.vocabulary.vocabSize);
    await constraint.ready();
    constraint.mask(logits);
    // The first token must open the object.
    const allowed = [...logits.keys()].filter((i) => logits[i] === 0);
    expect(allowed.length).toBeGreaterThan(0);
    for (const id of allowed) expect(decodeByteLevel(tokens[id]!).startsWith('{')).toBe(true);
    constraint.dispose();
  });

  it('throws a GrammarError (PIO_GRAMMAR) for a schema it cannot compile', async () => {
    await expect(compiler.compile({ kind: 'json-schema', schema: { type: 'nonsense' } })).rejects.toMatchObject({
      code: 'PIO_GRAMMAR',
    });
    await expect(
      compiler.compile({ kind: 'json-schema', schema: { type: 'number', minimum: 0.2, maximum: 0.8 } }),
    ).rejects.toMatchObject({ code: 'PIO_GRAMMAR', name: 'GrammarError' });
  });
});
