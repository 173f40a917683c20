import type { JsonSchema } from '@pio/core';
import { GrammarError, type GrammarSource } from './grammar-error.js';

const schemaLists = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
const schemaMaps = ['properties', '$defs', 'definitions', 'patternProperties'] as const;
const schemaValues = ['items', 'additionalProperties', 'not', 'contains', 'unevaluatedProperties'] as const;

/**
 * A copy of `schema` that XGrammar 0.1.27 enforces exactly.
 *
 * Its number ranges with fractions are wrong (measured: `maximum: 10` lets
 * `10.5` through, `maximum: 10.5` lets any character stand for the point), so
 * a `number` with bounds is generated as an integer inside them: such output
 * always validates, at the cost of fractional digits. Integer ranges are
 * exact. Exclusive bounds become inclusive integer bounds.
 *
 * @throws GrammarError when the schema is not an object or boolean, or a bounded number admits no integer.
 */
export function normalizeSchema(schema: unknown, source: GrammarSource, path = '#'): JsonSchema | boolean {
  if (typeof schema === 'boolean') return schema;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new GrammarError({
      source,
      path,
      reason: `a schema must be an object or a boolean, not ${JSON.stringify(schema)}.`,
    });
  }
  const out: JsonSchema = { ...(schema as JsonSchema) };
  for (const key of schemaLists) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map((item, i) => normalizeSchema(item, source, `${path}/${key}/${i}`));
  }
  for (const key of schemaMaps) {
    const map = out[key];
    if (map && typeof map === 'object' && !Array.isArray(map)) {
      out[key] = Object.fromEntries(
        Object.entries(map).map(([name, item]) => [name, normalizeSchema(item, source, `${path}/${key}/${name}`)]),
      );
    }
  }
  for (const key of schemaValues) {
    const value = out[key];
    if (
      value !== undefined &&
      (typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value)))
    ) {
      out[key] = normalizeSchema(value, source, `${path}/${key}`);
    }
  }
  const bounded = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'].some(
    (k) => typeof out[k] === 'number',
  );
  if ((out.type === 'number' || out.type === 'integer') && bounded) return integerRange(out, source, path);
  return out;
}

function integerRange(schema: JsonSchema, source: GrammarSource, path: string): JsonSchema {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, ...rest } = schema;
  const lows: number[] = [];
  const highs: number[] = [];
  if (typeof minimum === 'number') lows.push(Math.ceil(minimum));
  if (typeof exclusiveMinimum === 'number') lows.push(Math.floor(exclusiveMinimum) + 1);
  if (typeof maximum === 'number') highs.push(Math.floor(maximum));
  if (typeof exclusiveMaximum === 'number') highs.push(Math.ceil(exclusiveMaximum) - 1);
  const low = lows.length > 0 ? Math.max(...lows) : undefined;
  const high = highs.length > 0 ? Math.min(...highs) : undefined;
  if (low !== undefined && high !== undefined && low > high) {
    throw new GrammarError({
      source,
      path,
      reason: `the range of this ${String(schema.type)} holds no integer, and bounded numbers are generated as integers.`,
      hint: 'Widen the range to hold an integer, or drop its bounds.',
    });
  }
  return {
    ...rest,
    type: 'integer',
    ...(low !== undefined ? { minimum: low } : {}),
    ...(high !== undefined ? { maximum: high } : {}),
  };
}
