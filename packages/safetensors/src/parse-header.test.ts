import { describe, expect, it } from 'vitest';
import { WeightFileError } from './errors/weight-file-error.js';
import { decodeHeaderLength, parseHeader } from './parse-header.js';

const file = '/ckpt/model.safetensors';

function lengthPrefix(length: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, length, true);
  return bytes;
}

function header(json: unknown): Uint8Array {
  return new TextEncoder().encode(typeof json === 'string' ? json : JSON.stringify(json));
}

function parseError(json: unknown, fileSize = 1 << 20): WeightFileError {
  const bytes = header(json);
  try {
    parseHeader(bytes, file, fileSize);
  } catch (error) {
    expect(WeightFileError.isInstance(error)).toBe(true);
    return error as WeightFileError;
  }
  throw new Error('parseHeader accepted the header');
}

describe('decodeHeaderLength', () => {
  it('reads a little-endian u64', () => {
    expect(decodeHeaderLength(lengthPrefix(0x0102n), file, 0x0102 + 8)).toBe(0x0102);
  });

  it('rejects a file shorter than the length field', () => {
    expect(() => decodeHeaderLength(new Uint8Array(3), file, 3)).toThrow(
      'Invalid weights in /ckpt/model.safetensors: the file is 3 bytes long, too short for the 8-byte header length',
    );
  });

  it('rejects zero and implausibly large lengths', () => {
    expect(() => decodeHeaderLength(lengthPrefix(0n), file, 100)).toThrow('header length field holds 0');
    expect(() => decodeHeaderLength(lengthPrefix(2n ** 63n), file, 100)).toThrow(
      'header length field holds 9223372036854775808, not a plausible header size',
    );
  });

  it('rejects a length that runs past the end of the file', () => {
    expect(() => decodeHeaderLength(lengthPrefix(500n), file, 108)).toThrow(
      'the header length field says 500 bytes, but only 100 bytes follow it: the file is truncated',
    );
  });
});

describe('parseHeader', () => {
  it('parses entries and metadata, with offsets from the start of the file', () => {
    const bytes = header({
      __metadata__: { format: 'pt' },
      b: { dtype: 'BF16', shape: [2, 3], data_offsets: [16, 28] },
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      s: { dtype: 'I64', shape: [], data_offsets: [28, 36] },
      empty: { dtype: 'F16', shape: [0, 5], data_offsets: [36, 36] },
    });
    const parsed = parseHeader(bytes, file, 8 + bytes.length + 36);
    expect(parsed.metadata).toEqual({ format: 'pt' });
    expect(parsed.dataStart).toBe(8 + bytes.length);
    expect([...parsed.tensors.keys()]).toEqual(['b', 'a', 's', 'empty']);
    expect(parsed.tensors.get('b')).toEqual({
      dtype: 'BF16',
      shape: [2, 3],
      start: 8 + bytes.length + 16,
      byteLength: 12,
    });
    expect(parsed.tensors.get('s')?.byteLength).toBe(8);
    expect(parsed.tensors.get('empty')?.byteLength).toBe(0);
  });

  it('rejects a header that is not JSON or not an object', () => {
    expect(parseError('{"a": {"dtype": "F32"').message).toMatch(
      /^Invalid weights in \/ckpt\/model\.safetensors: its 21-byte header is not valid UTF-8 JSON \(.+\): the file is corrupt\./,
    );
    expect(parseError('[1, 2]').message).toContain('its header is JSON but not an object of tensor entries.');
    const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0x7d]);
    expect(() => parseHeader(invalidUtf8, file, 100)).toThrow('is not valid UTF-8 JSON');
  });

  it('rejects an unknown dtype, naming the tensor and the known ones', () => {
    const error = parseError({ w: { dtype: 'Q9', shape: [2], data_offsets: [0, 2] } });
    expect(error.tensor).toBe('w');
    expect(error.message).toContain(
      'Invalid weights in /ckpt/model.safetensors, tensor "w": unknown dtype "Q9" (known: BOOL, U8',
    );
  });

  it('rejects bad shapes and offsets', () => {
    expect(parseError({ w: { dtype: 'F32', shape: [2.5], data_offsets: [0, 10] } }).message).toContain(
      'its shape [2.5] is not a list of non-negative integers.',
    );
    expect(parseError({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }).message).toContain('shape [-1]');
    expect(parseError({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }).message).toContain(
      'its data_offsets [0] are not two non-negative integers [begin, end].',
    );
    expect(parseError({ w: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }).message).toContain(
      'its data_offsets [8, 4] end before they begin.',
    );
    expect(parseError({ w: 'nope' }).message).toContain('its header entry is not an object');
  });

  it('rejects a byte size that disagrees with the shape', () => {
    expect(parseError({ w: { dtype: 'BF16', shape: [3, 4], data_offsets: [0, 48] } }).message).toContain(
      'its data_offsets [0, 48] span 48 bytes, but shape [3, 4] of BF16 needs 24 bytes.',
    );
  });

  it('rejects offsets past the end of the file', () => {
    const bytes = header({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } });
    expect(() => parseHeader(bytes, file, 8 + bytes.length + 15)).toThrow(
      `its data ends at byte ${8 + bytes.length + 16} of the file, but the file has only ${8 + bytes.length + 15} bytes: the file is truncated`,
    );
  });

  it('rejects overlapping tensors, naming both', () => {
    const error = parseError({
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] },
    });
    expect(error.tensor).toBe('b');
    expect(error.message).toContain('its data [12, 20] overlaps tensor "a" [0, 16].');
  });

  it('rejects metadata that is not a map of strings', () => {
    expect(parseError({ __metadata__: { step: 3 } }).message).toContain(
      '"__metadata__.step" in its header is 3, but metadata values must be strings.',
    );
    expect(parseError({ __metadata__: [] }).message).toContain('"__metadata__" in its header must be an object');
  });

  it('says what to do', () => {
    expect(parseError('nope').message).toContain(
      'Re-download the checkpoint, or re-export it with save_pretrained(..., safe_serialization=True).',
    );
    expect(parseError('nope').code).toBe('PIO_WEIGHTS_INVALID');
  });
});
