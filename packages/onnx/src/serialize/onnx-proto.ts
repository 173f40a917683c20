import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS whose exports Node cannot list statically: take the namespace from the default export.
/** The `onnx` protobuf namespace of `onnx-proto` (ModelProto, GraphProto, TensorProto, ... with encode/decode). */
export const onnx = onnxProto.onnx;

/** A decoded or built ONNX model. */
export type ModelProto = onnxProto.onnx.ModelProto;
