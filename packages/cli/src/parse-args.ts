import { InvalidArgumentError } from 'commander';

/** Commander parser of an integer option (`--max-new-tokens 32`). */
export function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`"${value}" is not an integer.`);
  return parsed;
}

/** Where a number option's value must lie; each bound inclusive unless said otherwise. */
export interface NumberRange {
  /** Lowest accepted value. */
  min?: number;
  /** Whether `min` itself is refused. */
  minExclusive?: boolean;
  /** Highest accepted value. */
  max?: number;
  /** Only whole numbers. */
  integer?: boolean;
}

/** The range in words: `an integer >= 1`, `a number in (0, 1]`. */
export function describeRange(range: NumberRange): string {
  const kind = range.integer ? 'an integer' : 'a number';
  const { min, max } = range;
  if (min !== undefined && max !== undefined) return `${kind} in ${range.minExclusive ? '(' : '['}${min}, ${max}]`;
  if (min !== undefined) return `${kind} ${range.minExclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${kind} <= ${max}`;
  return kind;
}

/**
 * A commander parser of a number option that must lie in `range`
 * (`--top-p 2` is refused while the arguments are parsed, before any model
 * loads, with the accepted range in the message).
 */
export function numberIn(range: NumberRange): (value: string) => number {
  const expected = describeRange(range);
  return (value) => {
    const parsed = value.trim() === '' ? Number.NaN : Number(value);
    const ok =
      Number.isFinite(parsed) &&
      (!range.integer || Number.isInteger(parsed)) &&
      (range.min === undefined || (range.minExclusive ? parsed > range.min : parsed >= range.min)) &&
      (range.max === undefined || parsed <= range.max);
    if (!ok) throw new InvalidArgumentError(`"${value}" is not ${expected}.`);
    return parsed;
  };
}

/** Commander parser of an integer option >= 1 (`--max-new-tokens 32`). */
export const positiveInteger = numberIn({ integer: true, min: 1 });

/** Commander parser of an integer option >= 0 (`--threads 0`). */
export const nonNegativeInteger = numberIn({ integer: true, min: 0 });

/**
 * Commander parser of a comma-separated list of token ids (`--input-ids 1,2,3`):
 * at least one, each a non-negative integer written in digits (`""`, `1,,2`
 * and `1,a` are refused; none silently becomes 0).
 */
export function tokenIds(value: string): number[] {
  const parts = value.split(',').map((part) => part.trim());
  const bad = parts.findIndex((part) => !/^\d+$/.test(part) || !Number.isSafeInteger(Number(part)));
  if (value.trim() === '' || bad !== -1) {
    const which = value.trim() === '' ? 'it is empty' : `item ${bad + 1} ("${parts[bad]}") is not a token id`;
    throw new InvalidArgumentError(`"${value}" is not a comma-separated list of token ids (integers >= 0): ${which}.`);
  }
  return parts.map(Number);
}

/** Commander collector of a repeatable option (`--stop a --stop b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Commander parser of `--dtype`. */
export function dtype(value: string): 'float32' | 'float16' | 'int8' | 'int4' {
  if (value === 'float32' || value === 'float16' || value === 'int8' || value === 'int4') return value;
  throw new InvalidArgumentError(`"${value}" is not one of float32, int8, int4.`);
}

/** Commander parser of a comma-separated list of dtypes (`--dtype float32,int8,int4`), each at most once. */
export function dtypes(value: string): ReturnType<typeof dtype>[] {
  const list = value.split(',').map((part) => part.trim());
  const parsed = list.map((part) => {
    try {
      return dtype(part);
    } catch {
      throw new InvalidArgumentError(`"${value}": "${part}" is not one of float32, int8, int4.`);
    }
  });
  if (new Set(parsed).size !== parsed.length) throw new InvalidArgumentError(`"${value}" names a dtype twice.`);
  return parsed;
}

/** Commander parser of a comma-separated list of positive integers (`--prompt-lengths 64,512`). */
export function positiveIntegers(value: string): number[] {
  const numbers = value.split(',').map((part) => Number(part.trim()));
  if (numbers.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(`"${value}" is not a comma-separated list of positive integers.`);
  }
  return numbers;
}
