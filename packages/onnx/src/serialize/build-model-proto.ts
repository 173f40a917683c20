import type { GraphContents, GraphInitializer, ValueInfo } from '../graph/graph-core.js';
import { onnxDataType } from '../tensor/elem-type.js';
import { inlineTensorProto } from '../tensor/tensor-proto.js';
import { type ModelProto, onnx, type TensorProto, type ValueInfoProto } from './onnx-proto.js';

/**
 * Builds the ModelProto of a graph. `placeExternally` may return an
 * external-data TensorProto for an initializer; otherwise it goes inline as
 * `raw_data` (a view of the data, copied only when encoding).
 *
 * @param graph the graph contents
 * @param placeExternally decides, per initializer, whether its data goes to a side file
 */
export function buildModelProto(
  graph: GraphContents,
  placeExternally: (init: GraphInitializer) => TensorProto | undefined,
): ModelProto {
  const initializer = graph.initializers.map(
    (init) => placeExternally(init) ?? inlineTensorProto(init.name, init.elemType, init.dims, init.bytes),
  );
  const graphProto = onnx.GraphProto.create({ ...graphProtoInit(graph), initializer });
  return onnx.ModelProto.create({
    irVersion: graph.model.irVersion,
    producerName: graph.model.producerName,
    producerVersion: graph.model.producerVersion,
    docString: graph.model.docString,
    opsetImport: [...graph.opsets].map(([domain, version]) => onnx.OperatorSetIdProto.create({ domain, version })),
    graph: graphProto,
  });
}

/**
 * The nodes, inputs, outputs and value infos of `graph` as a GraphProto's
 * fields (no initializers): the whole of a subgraph whose constants live in
 * the outer graph, or the body of a model's graph.
 */
export function graphProtoInit(graph: Pick<GraphContents, 'name' | 'nodes' | 'inputs' | 'outputs' | 'valueInfos'>) {
  return {
    name: graph.name,
    node: graph.nodes.map((n) =>
      onnx.NodeProto.create({
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: n.attributes.map((a) => onnx.AttributeProto.create(a)),
      }),
    ),
    input: graph.inputs.map(valueInfoProto),
    output: graph.outputs.map(valueInfoProto),
    valueInfo: graph.valueInfos.map(valueInfoProto),
  };
}

function valueInfoProto(info: ValueInfo): ValueInfoProto {
  const shape = info.dims
    ? {
        dim: info.dims.map((dim) =>
          typeof dim === 'number' ? { dimValue: dim } : typeof dim === 'string' ? { dimParam: dim } : {},
        ),
      }
    : undefined;
  return onnx.ValueInfoProto.create({
    name: info.name,
    type: { tensorType: { elemType: onnxDataType[info.elemType], ...(shape ? { shape } : {}) } },
  });
}
