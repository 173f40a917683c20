import onnxProto, { type onnx as OnnxNamespace } from 'onnx-proto';

// onnx-proto is CommonJS whose exports Node cannot list statically: take the namespace from the default export.
/** The `onnx` protobuf namespace of `onnx-proto` (ModelProto, GraphProto, TensorProto, ... with encode/decode). */
export const onnx: typeof OnnxNamespace = onnxProto.onnx;

/** A decoded or built ONNX model. */
export type ModelProto = OnnxNamespace.ModelProto;
/** An ONNX tensor (initializer or attribute value). */
export type TensorProto = OnnxNamespace.TensorProto;
/** The plain-object form of an ONNX node attribute. */
export type AttributeProtoInit = OnnxNamespace.IAttributeProto;
/** An ONNX graph input, output or value annotation. */
export type ValueInfoProto = OnnxNamespace.ValueInfoProto;
/** The plain-object form of an ONNX graph (a subgraph attribute, as `If` branches hold). */
export type GraphProtoInit = OnnxNamespace.IGraphProto;
