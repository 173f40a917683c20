/**
 * The bytes of the smallest useful ONNX model: `y = Identity(x)` on a float
 * tensor of shape `[1]` (IR version 8, opset 13). `pio doctor` creates a
 * session of it per execution provider to see which ones work.
 */
export function identityModelBytes(): Uint8Array {
  const tensorType = message([field(1, varint(1)), field(2, message([field(1, message([field(1, varint(1))]))]))]);
  const valueInfo = (name: string) => message([field(1, text(name)), field(2, message([field(1, tensorType)]))]);
  const node = message([field(1, text('x')), field(2, text('y')), field(4, text('Identity'))]);
  const graph = message([field(1, node), field(2, text('doctor')), field(11, valueInfo('x')), field(12, valueInfo('y'))]);
  const opset = message([field(1, text('')), field(2, varint(13))]);
  return new Uint8Array(message([field(1, varint(8)), field(7, graph), field(8, opset)]));
}

// A minimal protobuf writer: every field here is a varint (wire type 0) or length-delimited (wire type 2).
type Encoded = { wire: 0 | 2; bytes: number[] };

function varintBytes(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}

function varint(value: number): Encoded {
  return { wire: 0, bytes: varintBytes(value) };
}

function text(value: string): Encoded {
  return { wire: 2, bytes: [...new TextEncoder().encode(value)] };
}

function field(number: number, value: Encoded | number[]): number[] {
  const encoded = Array.isArray(value) ? { wire: 2 as const, bytes: value } : value;
  const key = varintBytes((number << 3) | encoded.wire);
  return encoded.wire === 0 ? [...key, ...encoded.bytes] : [...key, ...varintBytes(encoded.bytes.length), ...encoded.bytes];
}

function message(fields: number[][]): number[] {
  return fields.flat();
}
