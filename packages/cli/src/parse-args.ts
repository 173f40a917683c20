import { InvalidArgumentError } from 'commander';

/** Commander parser of an integer option (`--max-new-tokens 32`). */
export function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`"${value}" is not an integer.`);
  return parsed;
}

/** Commander parser of a number option (`--temperature 0.7`). */
export function number(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError(`"${value}" is not a number.`);
  return parsed;
}

/** Commander parser of a comma-separated list of token ids (`--input-ids 1,2,3`). */
export function tokenIds(value: string): number[] {
  const ids = value.split(',').map((part) => Number(part.trim()));
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw new InvalidArgumentError(`"${value}" is not a comma-separated list of token ids.`);
  }
  return ids;
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

/** Commander parser of a comma-separated list of positive integers (`--prompt-lengths 64,512`). */
export function positiveIntegers(value: string): number[] {
  const numbers = value.split(',').map((part) => Number(part.trim()));
  if (numbers.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(`"${value}" is not a comma-separated list of positive integers.`);
  }
  return numbers;
}
