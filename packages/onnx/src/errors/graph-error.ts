import { PioError } from '@pio/core';

const marker = 'pio.error.GraphError';
const symbol = Symbol.for(marker);

/** What kind of mistake a {@link GraphIssue} reports. */
export type GraphProblem =
  /** A node reads a tensor that no graph input, initializer or earlier node produces. */
  | 'unknown-input'
  /** A tensor or node name is used twice. */
  | 'duplicate-name'
  /** A declared graph output is produced by nothing. */
  | 'missing-output'
  /** An initializer's data does not match its dims or element type. */
  | 'invalid-initializer'
  /** An attribute value cannot be encoded. */
  | 'invalid-attribute'
  /** An op needs a higher opset than the builder imports, or the opset is not supported. */
  | 'unsupported-opset'
  /** The arguments of an op helper are inconsistent (for example a block size that is not a power of two). */
  | 'invalid-argument'
  /** The model does not fit in one protobuf message (2 GiB) and needs external data. */
  | 'too-large';

/** One problem found in a graph: which node, op and tensor, and what is wrong. */
export interface GraphIssue {
  /** The kind of problem. */
  problem: GraphProblem;
  /** What is wrong, in words. */
  detail: string;
  /** The node at fault, when there is one. */
  node?: string;
  /** The op type of that node (for example `MatMul`). */
  opType?: string;
  /** The tensor at fault, when there is one. */
  tensor?: string;
}

/**
 * An ONNX graph built with `GraphBuilder` is invalid: a node reads an unknown
 * tensor, a name is used twice, a graph output is never produced, an
 * initializer does not match its dims, or an op needs another opset. Lists
 * every problem found, each naming the node, op and tensor.
 */
export class GraphError extends PioError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for(marker) in PioError.hasMarker, which works across copies of @pio/core
  private readonly [symbol] = true;

  /** Name of the graph being built. */
  readonly graphName: string;

  /** Every problem found, in graph order. */
  readonly issues: readonly GraphIssue[];

  /** Builds the error and its message from the list of issues. */
  constructor(options: { graphName: string; issues: readonly GraphIssue[]; hint?: string; cause?: unknown }) {
    const { graphName, issues } = options;
    const lines = issues.map((issue) => `  - ${describeIssue(issue)}`);
    super({
      code: 'PIO_GRAPH_INVALID',
      message: `Invalid ONNX graph "${graphName}": ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`,
      hint:
        options.hint ??
        'Every node input must be a graph input, an initializer or the output of an earlier node; every name must be used once; every graph output must be produced.',
      cause: options.cause,
    });
    this.name = 'GraphError';
    this.graphName = graphName;
    this.issues = issues;
  }

  /** True when `error` is a GraphError from any installed copy of `@pio/onnx`. */
  static override isInstance(error: unknown): error is GraphError {
    return PioError.hasMarker(error, marker);
  }
}

function describeIssue(issue: GraphIssue): string {
  const where: string[] = [];
  if (issue.node !== undefined) where.push(`node "${issue.node}"${issue.opType ? ` (${issue.opType})` : ''}`);
  else if (issue.opType !== undefined) where.push(issue.opType);
  if (issue.tensor !== undefined) where.push(`tensor "${issue.tensor}"`);
  return where.length > 0 ? `${where.join(', ')}: ${issue.detail}` : issue.detail;
}
