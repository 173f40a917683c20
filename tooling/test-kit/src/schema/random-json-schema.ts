import { createRng, type Rng } from '@pio/demo';

/** Options of {@link randomJsonSchema}. */
export interface RandomJsonSchemaOptions {
  /** Deepest nesting of objects and arrays below the root object. Default 2. */
  maxDepth?: number;
  /** Most properties per object. Default 3. */
  maxProperties?: number;
}

const words = ['id', 'name', 'kind', 'size', 'tags', 'count', 'owner', 'label', 'score', 'items', 'flag', 'note'];

/**
 * A seeded random JSON Schema with a root object: nested objects (some
 * properties required, no others allowed), arrays with item bounds, string and
 * number enums, integers and numbers with ranges, bounded strings, booleans,
 * `const` and `anyOf`. Every part is bounded, so any output that follows it
 * has a bounded length: a grammar-constrained random model always finishes.
 */
export function randomJsonSchema(seed: number, options: RandomJsonSchemaOptions = {}): Record<string, unknown> {
  const rng = createRng(seed);
  const maxDepth = options.maxDepth ?? 2;
  const maxProperties = options.maxProperties ?? 3;
  return objectSchema(rng, 0, maxDepth, maxProperties);
}

function objectSchema(rng: Rng, depth: number, maxDepth: number, maxProperties: number): Record<string, unknown> {
  const count = 1 + rng.int(maxProperties);
  const names = [...words];
  for (let i = names.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  names.length = count;
  const properties = Object.fromEntries(
    names.map((name) => [name, valueSchema(rng, depth + 1, maxDepth, maxProperties)]),
  );
  const required = names.filter((_, i) => i === 0 || rng.next() < 0.5);
  return { type: 'object', properties, required, additionalProperties: false };
}

function valueSchema(rng: Rng, depth: number, maxDepth: number, maxProperties: number): Record<string, unknown> {
  const kinds = depth < maxDepth ? 10 : 8;
  switch (rng.int(kinds)) {
    case 0:
      return { type: 'string', maxLength: [4, 8][rng.int(2)] };
    case 1:
      return { enum: ['red', 'green', 'blue', 'a b', 'é'].slice(0, 2 + rng.int(3)) };
    case 2: {
      const minimum = rng.int(50) - 25;
      return { type: 'integer', minimum, maximum: minimum + 1 + rng.int(1000) };
    }
    case 3: {
      const minimum = rng.int(10) - 5;
      return { type: 'number', minimum, maximum: minimum + 1 + rng.int(100) };
    }
    case 4:
      return { type: 'boolean' };
    case 5:
      return { enum: [1, 2, 3, 10].slice(0, 1 + rng.int(4)) };
    case 6:
      return { const: 'fixed' };
    case 7:
      return { anyOf: [{ type: 'boolean' }, { type: 'integer', minimum: 0, maximum: 9 }] };
    case 8:
      return objectSchema(rng, depth, maxDepth, maxProperties);
    default: {
      const minItems = rng.int(2);
      return {
        type: 'array',
        items: valueSchema(rng, depth + 1, maxDepth, maxProperties),
        minItems,
        maxItems: minItems + 1 + rng.int(2),
      };
    }
  }
}
