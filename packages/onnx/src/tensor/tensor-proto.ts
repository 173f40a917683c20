import { onnx, type TensorProto } from '../serialize/onnx-proto.js';
import { type ElemType, onnxDataType, type TensorData } from './elem-type.js';

/**
 * The bytes of a typed array, as a view (no copy). ONNX `raw_data` is
 * little-endian, like typed arrays on every platform Node ships for.
 *
 * @param data tensor data
 */
export function tensorBytes(data: TensorData): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A `TensorProto` holding `bytes` inline as `raw_data`.
 *
 * @param name tensor name ('' for attribute tensors)
 * @param elemType element type
 * @param dims shape; `[]` is a scalar
 * @param bytes little-endian element bytes
 */
export function inlineTensorProto(
  name: string,
  elemType: ElemType,
  dims: readonly number[],
  bytes: Uint8Array,
): TensorProto {
  return onnx.TensorProto.create({ name, dataType: onnxDataType[elemType], dims: [...dims], rawData: bytes });
}

/**
 * A `TensorProto` whose data lives at `offset` in the side file `location`
 * (ONNX external data: keys `location`, `offset`, `length`).
 *
 * @param name tensor name
 * @param elemType element type
 * @param dims shape
 * @param location file name, relative to the model file
 * @param offset byte offset in that file
 * @param length byte length
 */
export function externalTensorProto(
  name: string,
  elemType: ElemType,
  dims: readonly number[],
  location: string,
  offset: number,
  length: number,
): TensorProto {
  return onnx.TensorProto.create({
    name,
    dataType: onnxDataType[elemType],
    dims: [...dims],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ],
  });
}
