import { type GgufArray, type GgufValue, GgufValueType, type GgufValueTypeId } from './gguf-value-type.js';

const encoder = new TextEncoder();

/** A growable little-endian byte buffer for GGUF headers. */
export class ByteSink {
  private bytes = new Uint8Array(1 << 16);
  private view = new DataView(this.bytes.buffer);
  /** Bytes written so far. */
  length = 0;

  /** The bytes written, as a view (no copy). */
  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends raw bytes. */
  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** Appends `count` zero bytes. */
  zeros(count: number): void {
    this.reserve(count);
    this.bytes.fill(0, this.length, this.length + count);
    this.length += count;
  }

  /** Appends a little-endian uint32. */
  uint32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  /** Appends a little-endian uint64. */
  uint64(value: bigint | number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
  }

  /** Appends a GGUF string: uint64 byte length, then UTF-8 bytes. */
  string(value: string): void {
    const data = encoder.encode(value);
    this.uint64(data.length);
    this.raw(data);
  }

  /** Appends one value of scalar type `type` (no type tag). */
  scalar(type: Exclude<GgufValueTypeId, 9>, value: number | bigint | boolean | string): void {
    const at = this.length;
    switch (type) {
      case GgufValueType.STRING:
        this.string(String(value));
        return;
      case GgufValueType.UINT8:
      case GgufValueType.INT8:
      case GgufValueType.BOOL:
        this.reserve(1);
        if (type === GgufValueType.INT8) this.view.setInt8(at, Number(value));
        else this.view.setUint8(at, type === GgufValueType.BOOL ? (value ? 1 : 0) : Number(value));
        this.length += 1;
        return;
      case GgufValueType.UINT16:
      case GgufValueType.INT16:
        this.reserve(2);
        if (type === GgufValueType.INT16) this.view.setInt16(at, Number(value), true);
        else this.view.setUint16(at, Number(value), true);
        this.length += 2;
        return;
      case GgufValueType.UINT32:
      case GgufValueType.INT32:
      case GgufValueType.FLOAT32:
        this.reserve(4);
        if (type === GgufValueType.UINT32) this.view.setUint32(at, Number(value), true);
        else if (type === GgufValueType.INT32) this.view.setInt32(at, Number(value), true);
        else this.view.setFloat32(at, Number(value), true);
        this.length += 4;
        return;
      case GgufValueType.UINT64:
      case GgufValueType.INT64:
      case GgufValueType.FLOAT64:
        this.reserve(8);
        if (type === GgufValueType.UINT64) this.view.setBigUint64(at, BigInt(value as number | bigint), true);
        else if (type === GgufValueType.INT64) this.view.setBigInt64(at, BigInt(value as number | bigint), true);
        else this.view.setFloat64(at, Number(value), true);
        this.length += 8;
        return;
    }
  }

  /** Appends an array body: item type, count, then the items (nested arrays recursively). */
  array(value: GgufArray): void {
    this.uint32(value.itemType);
    this.uint64(value.value.length);
    for (const item of value.value) {
      if (value.itemType === GgufValueType.ARRAY) {
        if (typeof item !== 'object') throw new TypeError('an array of arrays holds arrays');
        this.array(item);
      } else {
        if (typeof item === 'object') throw new TypeError('an array of scalars holds scalars');
        this.scalar(value.itemType, item);
      }
    }
  }

  /** Appends a metadata value with its type tag (and item type and count for arrays). */
  value(value: GgufValue): void {
    this.uint32(value.type);
    if (value.type === GgufValueType.ARRAY) this.array(value);
    else this.scalar(value.type, value.value);
  }
}
