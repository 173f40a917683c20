import { GraphError, type GraphIssue } from '../errors/graph-error.js';
import { buildModelProto, graphProtoInit } from '../serialize/build-model-proto.js';
import { type AttributeProtoInit, type GraphProtoInit, type ModelProto, onnx } from '../serialize/onnx-proto.js';
import { protobufLimitBytes } from '../serialize/plan-external-data.js';
import {
  type ExternalPlacement,
  ExternalDataWriter,
  type StreamedExternalData,
} from '../serialize/external-data-writer.js';
import { type SavedModel, type SaveOptions, saveModel, saveStreamedModel } from '../serialize/save-model.js';
import { defaultElemType, type ElemType, elemTypeByteSize, type TensorData } from '../tensor/elem-type.js';
import { externalTensorProto, tensorBytes } from '../tensor/tensor-proto.js';
import { type Attributes, toAttributeProto } from './attributes.js';
import { NameRegistry } from './name-registry.js';
import { type GraphCheck, validateGraph } from './validate-graph.js';

/** One dimension of a tensor shape: a fixed size, a symbolic name (`batch_size`), or `null` for unknown. */
export type Dim = number | string | null;

/** How to set up a {@link GraphCore} (and so a `GraphBuilder`). */
export interface GraphBuilderOptions {
  /** Graph name, used in error messages and stored in the model. Default `main`. */
  name?: string;
  /** Opset of the default ONNX domain. Default 21; at least 13; opset-23 ops (`RMSNormalization`, `RotaryEmbedding`, `Attention`) need 23. */
  opset?: number;
  /** Opset of the `com.microsoft` domain (onnxruntime contrib ops). Default 1. */
  msOpset?: number;
  /** Further domains to import, by name (for example `{ 'ai.onnx.ml': 3 }`). Domains used by `op()` are imported at version 1 when not listed. */
  opsetImports?: Readonly<Record<string, number>>;
  /**
   * ONNX IR version written to the model. Default 8, the newest IR of the
   * `onnx-proto` schema this package encodes with; onnxruntime-node 1.30
   * loads IR 7 to 12 with opsets 17 to 26 alike.
   */
  irVersion?: number;
  /** `producer_name` of the model. Default `@pio/onnx`. */
  producerName?: string;
  /** `producer_version` of the model. Default empty. */
  producerVersion?: string;
  /** `doc_string` of the model. */
  docString?: string;
  /**
   * Stream weights to disk as they are added, so a build never holds the
   * checkpoint in memory: the side file `<dir>/<dataFile>` is created now,
   * every initializer of at least `thresholdBytes` (including those added
   * by subgraph builders, `constant` and `quantizedWeight`) is written to it
   * at once, at the offset `save` with `externalData: true` would give it,
   * and only its offset is kept. Then `save(dir, { modelFile })` writes the
   * model file alone; `toBytes` is refused. Call `closeExternalData()` when
   * a build is abandoned before `save`.
   *
   * @example
   * ```ts
   * const g = new GraphBuilder({ name: 'decoder', externalData: { dir: out, dataFile: 'decoder.onnx_data' } });
   * g.initializer('w', weights, [n, k]); // written now; `weights` may be dropped
   * await g.save(out, { modelFile: 'decoder.onnx' });
   * ```
   */
  externalData?: StreamedExternalData;
}

export type { ExternalPlacement, StreamedExternalData };

/** Options of the generic {@link GraphCore.op}. */
export interface OpOptions {
  /** Operator domain: `''` (default ONNX) or `com.microsoft`. */
  domain?: string;
  /** Node name within the current scope; default the op type. Made unique with a `_n` suffix. */
  name?: string;
  /**
   * The outputs: a count of generated names (default 1), or one entry per
   * output: a string is that exact tensor name, `''` leaves an optional output
   * out, `null` asks for a generated name.
   */
  outputs?: number | readonly (string | null)[];
}

/** Naming options every typed op helper takes as its last argument. */
export interface NodeOptions {
  /** Node name within the current scope; default the op type. */
  name?: string;
  /** Exact name of the output tensor (for example `logits`); default `<node>/output_0`. */
  output?: string;
}

/** A graph input, output or annotated intermediate value. */
export interface ValueInfo {
  /** Tensor name. */
  readonly name: string;
  /** Element type. */
  readonly elemType: ElemType;
  /** Shape, or `undefined` when even the rank is unknown. */
  readonly dims: readonly Dim[] | undefined;
}

/** A node as recorded by the builder. */
export interface GraphNode {
  /** Unique node name, `<scope>/<name>`. */
  readonly name: string;
  /** Op type, for example `MatMul`. */
  readonly opType: string;
  /** Operator domain (`''` for default ONNX). */
  readonly domain: string;
  /** Input tensor names, `''` for an omitted optional input. */
  readonly inputs: readonly string[];
  /** Output tensor names, `''` for an omitted optional output. */
  readonly outputs: readonly string[];
  /** Encoded attributes. */
  readonly attributes: readonly AttributeProtoInit[];
}

/** A weight or constant tensor as recorded by the builder. */
export interface GraphInitializer {
  /** Tensor name. */
  readonly name: string;
  /** Element type. */
  readonly elemType: ElemType;
  /** Shape; `[]` for a scalar. */
  readonly dims: readonly number[];
  /**
   * Little-endian element bytes: a view of the data given, not a copy. Empty
   * for a tensor streamed to the side file (see `external`).
   */
  readonly bytes: Uint8Array;
  /** Where the bytes of a streamed initializer are in the side file (`externalData` builders); else `undefined`. */
  readonly external?: ExternalPlacement;
}

/** A read-only view of everything added to a graph so far, in insertion order. */
export interface GraphContents {
  /** Graph name. */
  readonly name: string;
  /** Graph inputs. */
  readonly inputs: readonly ValueInfo[];
  /** Graph outputs. */
  readonly outputs: readonly ValueInfo[];
  /** Annotated intermediate values. */
  readonly valueInfos: readonly ValueInfo[];
  /** Initializers. */
  readonly initializers: readonly GraphInitializer[];
  /** Nodes, in the order added (which must be topological). */
  readonly nodes: readonly GraphNode[];
  /** Opset imports, domain to version. */
  readonly opsets: ReadonlyMap<string, number>;
  /** Model-level settings. */
  readonly model: { irVersion: number; producerName: string; producerVersion: string; docString: string };
}

const minimumOpset = 13;

/**
 * The core of `GraphBuilder`: graph inputs and outputs, initializers, the
 * generic {@link GraphCore.op}, scoped unique names, validation and
 * serialization. Typed op helpers live in the subclasses.
 */
export class GraphCore {
  /** Graph name. */
  readonly name: string;

  private readonly inputList: ValueInfo[] = [];
  private readonly outputList: ValueInfo[] = [];
  private readonly valueInfoList: ValueInfo[] = [];
  private readonly nodeList: GraphNode[] = [];
  private readonly modelInfo: GraphContents['model'];
  // Shared with subgraph builders (see `subgraph`): names stay unique model-wide, constants live in the outer graph.
  private initializerList: GraphInitializer[] = [];
  private opsetMap = new Map<string, number>();
  private tensorNames = new NameRegistry();
  private nodeNames = new NameRegistry();
  private scopes: string[] = [];
  private constants = new Map<string, string>();
  // Shared with subgraph builders too: their initializers stream into the same file.
  private dataWriter: ExternalDataWriter | undefined;
  /** For a subgraph: the tensors of the graphs enclosing it, which it may read too (nested `If`s). */
  private enclosing: ValueInfo[] = [];

  /**
   * Creates an empty graph.
   *
   * @param options graph name, opsets, IR version, producer, streamed external data
   * @throws {GraphError} when the default opset is below 13
   * @throws {ExternalDataError} when the streamed side file cannot be created
   */
  constructor(options: GraphBuilderOptions = {}) {
    this.name = options.name ?? 'main';
    const opset = options.opset ?? 21;
    if (!Number.isInteger(opset) || opset < minimumOpset) {
      throw new GraphError({
        graphName: this.name,
        issues: [
          {
            problem: 'unsupported-opset',
            detail: `default opset ${opset} is not supported: use ${minimumOpset} or higher`,
          },
        ],
      });
    }
    this.opsetMap.set('', opset);
    this.opsetMap.set('com.microsoft', options.msOpset ?? 1);
    for (const [domain, version] of Object.entries(options.opsetImports ?? {})) this.opsetMap.set(domain, version);
    this.modelInfo = {
      irVersion: options.irVersion ?? 8,
      producerName: options.producerName ?? '@pio/onnx',
      producerVersion: options.producerVersion ?? '',
      docString: options.docString ?? '',
    };
    if (options.externalData) this.dataWriter = new ExternalDataWriter(options.externalData);
  }

  /** The side file weights stream into (`externalData` option), or `undefined` when they are kept in memory. */
  get streamedData(): { path: string; dataFile: string; dataBytes: number; tensors: number } | undefined {
    const writer = this.dataWriter;
    if (!writer) return undefined;
    return { path: writer.path, dataFile: writer.dataFile, dataBytes: writer.dataBytes, tensors: writer.tensorCount };
  }

  /**
   * Closes the streamed side file without saving (after a failed or abandoned
   * build); the file stays, as written so far. `save` closes it itself. No-op
   * without `externalData` and when already closed.
   */
  closeExternalData(): void {
    this.dataWriter?.close();
  }

  /**
   * The opset version imported for `domain`, or `undefined` when not imported.
   *
   * @param domain `''` for default ONNX (the default), or a domain name
   */
  opsetVersion(domain = ''): number | undefined {
    return this.opsetMap.get(domain);
  }

  /** The current scope path (`model.layers.3.self_attn`), `''` at the top. */
  get currentScope(): string {
    return this.scopes.join('.');
  }

  /**
   * Runs `build` with `name` appended to the scope path: nodes added inside
   * are named `<scope>/<op>` and their outputs `<scope>/<op>/output_<i>`;
   * initializers are named `<scope>.<name>`. Scopes nest; `build` must be
   * synchronous.
   *
   * @param name one or more dot-separated segments, e.g. `model.layers.3`
   * @param build adds the nodes of this scope
   * @returns what `build` returns
   */
  scope<T>(name: string, build: () => T): T {
    this.scopes.push(name);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * `name` prefixed with the current scope path and a dot (`model.layers.0.q_proj.weight`).
   *
   * @param name a name relative to the current scope
   */
  scopedName(name: string): string {
    return this.scopes.length === 0 ? name : `${this.currentScope}.${name}`;
  }

  /**
   * A tensor name derived from `base` that no tensor uses yet (suffix `_n`),
   * prefixed with the current scope.
   *
   * @param base preferred name relative to the current scope
   */
  uniqueTensorName(base: string): string {
    return this.tensorNames.unique(this.scopedName(base));
  }

  /**
   * Declares a graph input.
   *
   * @param name exact tensor name (not scoped), e.g. `input_ids`
   * @param elemType element type
   * @param dims shape: numbers for fixed sizes, strings for symbolic ones, `null` for unknown
   * @returns the tensor name
   */
  input(name: string, elemType: ElemType, dims: readonly Dim[] | undefined): string {
    this.tensorNames.take(name);
    this.inputList.push({ name, elemType, dims: dims ? [...dims] : undefined });
    return name;
  }

  /**
   * Declares a graph output. With `source`, an `Identity` node copies that
   * tensor to `name`; without it, some node must produce `name` (validation
   * checks this).
   *
   * @param name exact tensor name, e.g. `logits`
   * @param elemType element type
   * @param dims shape, as for {@link GraphCore.input}
   * @param source a tensor to expose under `name`
   * @returns the tensor name
   */
  output(name: string, elemType: ElemType, dims?: readonly Dim[], source?: string): string {
    if (source !== undefined && source !== name)
      this.op('Identity', [source], {}, { name: `${name}/Identity`, outputs: [name] });
    this.outputList.push({ name, elemType, dims: dims ? [...dims] : undefined });
    return name;
  }

  /**
   * Records the type and shape of an intermediate tensor (ONNX `value_info`),
   * which helps tools and shape inference; never required.
   *
   * @param name tensor name
   * @param elemType element type
   * @param dims shape
   */
  valueInfo(name: string, elemType: ElemType, dims?: readonly Dim[]): void {
    this.valueInfoList.push({ name, elemType, dims: dims ? [...dims] : undefined });
  }

  /**
   * Adds a weight tensor. The data is kept by reference until serialization,
   * so do not modify it afterwards; with `externalData` a tensor of at least
   * the threshold is written to the side file now and not kept.
   *
   * @param name name relative to the current scope (`q_proj.weight` → `model.layers.0.self_attn.q_proj.weight`)
   * @param data elements; `Uint16Array` means float16 bits unless `elemType` says otherwise
   * @param dims shape; `[]` for a scalar
   * @param elemType element type, when not the default of `data` (`bfloat16`, `bool`, `uint16`)
   * @returns the full tensor name
   * @throws {GraphError} when `dims` does not match the data length or `elemType` the array's element size
   * @throws {ExternalDataError} when streaming it to the side file fails
   */
  initializer(name: string, data: TensorData, dims: readonly number[], elemType?: ElemType): string {
    const fullName = this.scopedName(name);
    const type = elemType ?? defaultElemType(data);
    const problem = checkInitializer(data, dims, type);
    if (problem) {
      throw new GraphError({
        graphName: this.name,
        issues: [{ problem: 'invalid-initializer', tensor: fullName, detail: problem }],
        hint: 'Pass data whose length is the product of dims, in a typed array of the element size of the type.',
      });
    }
    this.tensorNames.take(fullName);
    this.addInitializer(fullName, type, dims, data);
    return fullName;
  }

  /**
   * A constant tensor, shared: the same values, type and dims give the same
   * initializer. Named `const.<type>.<values>` for small ones.
   *
   * @param data elements
   * @param dims shape; `[]` for a scalar
   * @param elemType element type, when not the default of `data`
   * @returns the tensor name
   * @throws {GraphError} when `dims` does not match the data
   */
  constant(data: TensorData, dims: readonly number[], elemType?: ElemType): string {
    const type = elemType ?? defaultElemType(data);
    const values = Array.from(data as ArrayLike<number | bigint>, String);
    const key = `${type}|${dims.join(',')}|${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const shape = dims.length === 0 ? '' : `${dims.join('x')}.`;
    const base = values.length <= 8 ? `const.${type}.${shape}[${values.join(',')}]` : `const.${type}.${shape}values`;
    const name = this.tensorNames.unique(base);
    const problem = checkInitializer(data, dims, type);
    if (problem) {
      throw new GraphError({
        graphName: this.name,
        issues: [{ problem: 'invalid-initializer', tensor: name, detail: problem }],
      });
    }
    this.addInitializer(name, type, dims, data);
    this.constants.set(key, name);
    return name;
  }

  /**
   * An int64 constant: a scalar for a number, a 1-D tensor for a list.
   *
   * @param values the value or values
   */
  constInt64(values: number | readonly number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    return this.constant(
      BigInt64Array.from(list, (v) => BigInt(v)),
      typeof values === 'number' ? [] : [list.length],
    );
  }

  /**
   * An int32 constant: a scalar for a number, a 1-D tensor for a list.
   *
   * @param values the value or values
   */
  constInt32(values: number | readonly number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    return this.constant(Int32Array.from(list), typeof values === 'number' ? [] : [list.length]);
  }

  /**
   * A float32 constant: a scalar for a number, a 1-D tensor for a list.
   *
   * @param values the value or values
   */
  constFloat32(values: number | readonly number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    return this.constant(Float32Array.from(list), typeof values === 'number' ? [] : [list.length]);
  }

  /**
   * Adds a node of any op.
   *
   * @param opType op type, e.g. `MatMul` or `GroupQueryAttention`
   * @param inputs input tensor names; `''`, `null` or `undefined` for an omitted optional input
   * @param attributes attributes by name (see `AttributeValue` for how plain values are typed)
   * @param options domain, node name, outputs
   * @returns the output tensor names, `''` where an optional output is left out
   * @throws {GraphError} when an attribute cannot be encoded
   */
  op(
    opType: string,
    inputs: readonly (string | null | undefined)[],
    attributes: Attributes = {},
    options: OpOptions = {},
  ): string[] {
    const domain = options.domain ?? '';
    if (!this.opsetMap.has(domain)) this.opsetMap.set(domain, 1);
    const base = options.name ?? opType;
    const nodeName = this.nodeNames.unique(this.scopes.length === 0 ? base : `${this.currentScope}/${base}`);

    const inputNames = inputs.map((input) => input ?? '');
    while (inputNames.length > 0 && inputNames[inputNames.length - 1] === '') inputNames.pop();

    const requested = options.outputs ?? 1;
    const slots = typeof requested === 'number' ? Array.from({ length: requested }, () => null) : requested;
    const outputNames = slots.map((slot, index) => {
      if (slot === '') return '';
      if (slot !== null) {
        this.tensorNames.take(slot);
        return slot;
      }
      return this.tensorNames.unique(`${nodeName}/output_${index}`);
    });

    const encoded: AttributeProtoInit[] = [];
    for (const [key, value] of Object.entries(attributes)) {
      if (value === undefined) continue;
      const proto = toAttributeProto(key, value);
      if (typeof proto === 'string') {
        throw new GraphError({
          graphName: this.name,
          issues: [{ problem: 'invalid-attribute', node: nodeName, opType, detail: `attribute "${key}" ${proto}` }],
          hint: 'Use attr.float/attr.int/attr.ints/... from @pio/onnx to state the attribute type.',
        });
      }
      encoded.push(proto);
    }

    this.nodeList.push({
      name: nodeName,
      opType,
      domain,
      inputs: inputNames,
      outputs: outputNames,
      attributes: encoded,
    });
    return outputNames;
  }

  /**
   * Throws unless the default domain's opset is at least `version`.
   *
   * @param opType the op that needs it, named in the error
   * @param version the opset it was introduced in
   * @throws {GraphError} when the imported opset is lower
   */
  requireOpset(opType: string, version: number): void {
    const imported = this.opsetMap.get('') ?? 0;
    if (imported < version) {
      throw new GraphError({
        graphName: this.name,
        issues: [
          {
            problem: 'unsupported-opset',
            opType,
            detail: `${opType} needs default-domain opset ${version} or higher; this graph imports opset ${imported}`,
          },
        ],
        hint: `Create the GraphBuilder with { opset: ${version} } or higher.`,
      });
    }
  }

  /**
   * Builds a subgraph (a branch of `If`) that reads this graph's tensors by
   * name, as ONNX's outer scope allows. `build` adds nodes to `sub`, a builder
   * of the same class that shares this graph's tensor and node names,
   * constants, initializers (anything it adds as a constant or initializer
   * lands in this graph, where the subgraph sees it), opsets and current
   * scope, and returns the tensors the subgraph outputs. Add the node holding
   * it (`If`) after every tensor the subgraph reads.
   *
   * @param name the subgraph's name
   * @param build adds the nodes; returns the output tensor names
   * @param elemType the element type of every output (default float32)
   * @returns the subgraph, for an attribute (`attr.graph`)
   * @throws {GraphError} when the subgraph reads a tensor that is not produced before it, in it or in this graph
   */
  subgraph(name: string, build: (sub: this) => readonly string[], elemType: ElemType = 'float32'): GraphProtoInit {
    const Builder = this.constructor as new (options: GraphBuilderOptions) => this;
    const sub = new Builder({ name, opset: this.opsetMap.get('') ?? 21 });
    sub.initializerList = this.initializerList;
    sub.opsetMap = this.opsetMap;
    sub.tensorNames = this.tensorNames;
    sub.nodeNames = this.nodeNames;
    sub.constants = this.constants;
    sub.dataWriter = this.dataWriter;
    sub.scopes = [...this.scopes];
    const visible = (): ValueInfo[] => {
      const own: ValueInfo[] = [
        ...this.inputList,
        ...this.initializerList.map((init) => ({ name: init.name, elemType: init.elemType, dims: init.dims })),
        ...this.nodeList.flatMap((node) =>
          node.outputs.filter(Boolean).map((output) => ({ name: output, elemType, dims: undefined })),
        ),
      ];
      // Initializers are shared with the enclosing graphs: list each tensor once.
      const names = new Set(own.map((info) => info.name));
      return [...this.enclosing.filter((info) => !names.has(info.name)), ...own];
    };
    sub.enclosing = visible();
    const outputs = build(sub).map((tensor) => {
      // A subgraph output must be produced inside it: pass outer tensors through an Identity.
      const inside = sub.nodeList.some((node) => node.outputs.includes(tensor));
      return inside ? tensor : sub.op('Identity', [tensor])[0]!;
    });
    for (const output of outputs) sub.outputList.push({ name: output, elemType, dims: undefined });
    const outer = visible();
    const { issues } = validateGraph({ ...sub.contents(), inputs: outer, initializers: [] });
    if (issues.length > 0) throw new GraphError({ graphName: `${this.name}/${name}`, issues });
    return graphProtoInit(sub.contents());
  }

  /** A read-only view of the graph so far (for serializers, tools and tests). */
  contents(): GraphContents {
    return {
      name: this.name,
      inputs: this.inputList,
      outputs: this.outputList,
      valueInfos: this.valueInfoList,
      initializers: this.initializerList,
      nodes: this.nodeList,
      opsets: this.opsetMap,
      model: this.modelInfo,
    };
  }

  /**
   * Checks the graph: every node input is a graph input, an initializer or an
   * output of an earlier node; no tensor or node name is used twice; every
   * graph output is produced.
   *
   * @returns what is suspicious but valid (initializers no node reads)
   * @throws {GraphError} listing every problem, each naming node, op and tensor
   */
  validate(): GraphCheck {
    const { issues, check } = validateGraph(this.contents());
    if (issues.length > 0) throw new GraphError({ graphName: this.name, issues });
    return check;
  }

  /**
   * Validates the graph and builds the ModelProto, with every initializer
   * inline as `raw_data`.
   *
   * @throws {GraphError} when the graph is invalid
   */
  build(): ModelProto {
    this.validate();
    const location = this.dataWriter?.dataFile ?? '';
    return buildModelProto(this.contents(), (init) =>
      init.external
        ? externalTensorProto(init.name, init.elemType, init.dims, location, init.external.offset, init.external.length)
        : undefined,
    );
  }

  /**
   * Validates and serializes the model with weights inline, ready for
   * `InferenceSession.create(bytes)`.
   *
   * @throws {GraphError} when the graph is invalid, or its weights exceed what one protobuf message holds (2 GiB): use {@link GraphCore.save} with external data then
   */
  toBytes(): Uint8Array {
    if (this.dataWriter) {
      throw new GraphError({
        graphName: this.name,
        issues: [
          {
            problem: 'invalid-argument',
            detail: `the weights were streamed to ${this.dataWriter.path}; the model cannot be one byte array`,
          },
        ],
        hint: 'Save it with await graph.save(dir) into the externalData dir, then load it by path.',
      });
    }
    const total = this.initializerBytes();
    if (total >= protobufLimitBytes) {
      const issue: GraphIssue = {
        problem: 'too-large',
        detail: `initializers take ${total} bytes; a model in one protobuf message must stay under 2 GiB`,
      };
      throw new GraphError({
        graphName: this.name,
        issues: [issue],
        hint: 'Save the model with external data: await graph.save(dir, { externalData: true }), then load it by path.',
      });
    }
    return onnx.ModelProto.encode(this.build()).finish();
  }

  /**
   * Validates the graph and writes it to `dir` (created if missing), weights
   * inline or in a side file (ONNX external data) that
   * `InferenceSession.create(path)` loads.
   *
   * @param dir target folder
   * @param options file names and when to use external data
   * @returns the paths written and how many tensors went to the side file
   * With the builder's `externalData` option the weights are on disk already:
   * `dir` must be that folder and only the model file is written (see
   * `GraphBuilderOptions.externalData`).
   *
   * @throws {GraphError} when the graph is invalid, or too large for inline weights with `externalData: false`, or (streamed) `dir`/`dataFile`/thresholds differ from the streamed ones
   */
  async save(dir: string, options: SaveOptions = {}): Promise<SavedModel> {
    this.validate();
    if (this.dataWriter) return saveStreamedModel(this.contents(), this.dataWriter, dir, options);
    return saveModel(this.contents(), dir, options);
  }

  /** Total bytes of all initializers (streamed ones included). */
  initializerBytes(): number {
    let total = 0;
    for (const init of this.initializerList) total += init.external?.length ?? init.bytes.byteLength;
    return total;
  }

  private addInitializer(name: string, elemType: ElemType, dims: readonly number[], data: TensorData): void {
    const bytes = tensorBytes(data);
    const external = this.dataWriter?.write(name, bytes);
    this.initializerList.push(
      external
        ? { name, elemType, dims: [...dims], bytes: new Uint8Array(0), external }
        : { name, elemType, dims: [...dims], bytes },
    );
  }

  /**
   * The one output of a single-output op (used by the typed helpers).
   *
   * @param opType op type
   * @param inputs input tensor names
   * @param attributes attributes
   * @param options naming, plus the domain
   */
  protected single(
    opType: string,
    inputs: readonly (string | null | undefined)[],
    attributes: Attributes = {},
    options: NodeOptions & { domain?: string } = {},
  ): string {
    const outputs = this.op(opType, inputs, attributes, {
      domain: options.domain,
      name: options.name,
      outputs: [options.output ?? null],
    });
    return outputs[0] as string;
  }

  /**
   * Throws a GraphError about bad arguments to an op helper.
   *
   * @param opType the helper's op
   * @param detail what is wrong
   */
  protected invalidArgument(opType: string, detail: string): never {
    throw new GraphError({
      graphName: this.name,
      issues: [{ problem: 'invalid-argument', opType, detail }],
      hint: `Check the arguments passed to the ${opType} helper.`,
    });
  }
}

function checkInitializer(data: TensorData, dims: readonly number[], elemType: ElemType): string | undefined {
  const size = elemTypeByteSize[elemType];
  if (size === 0) return `element type ${elemType} cannot be stored as raw data`;
  if (size !== data.BYTES_PER_ELEMENT) {
    return `element type ${elemType} takes ${size} bytes per element but the data is a ${data.constructor.name} (${data.BYTES_PER_ELEMENT} bytes)`;
  }
  if (!dims.every((dim) => Number.isInteger(dim) && dim >= 0))
    return `dims [${dims.join(', ')}] must be non-negative integers`;
  const count = dims.reduce((product, dim) => product * dim, 1);
  if (count !== data.length) return `dims [${dims.join(', ')}] hold ${count} elements but the data has ${data.length}`;
  return undefined;
}
