import type { GraphIssue } from '../errors/graph-error.js';
import type { GraphContents } from './graph-core.js';

/** What validation found suspicious in a valid graph. */
export interface GraphCheck {
  /** Initializers that no node reads and no graph output exposes (wasted bytes). */
  readonly unusedInitializers: readonly string[];
}

type Producer = { kind: 'input' | 'initializer' } | { kind: 'node'; node: string; opType: string };

/**
 * Checks a graph's names and order: every node input produced before it is
 * read, no tensor produced twice, no node name used twice, every graph output
 * produced.
 *
 * @param graph the graph contents
 * @returns the problems found (empty when valid) and the warnings
 */
export function validateGraph(graph: GraphContents): { issues: GraphIssue[]; check: GraphCheck } {
  const issues: GraphIssue[] = [];
  const producers = new Map<string, Producer>();

  const declare = (tensor: string, producer: Producer): void => {
    const previous = producers.get(tensor);
    if (previous) {
      const node = producer.kind === 'node' ? { node: producer.node, opType: producer.opType } : {};
      issues.push({
        problem: 'duplicate-name',
        ...node,
        tensor,
        detail: `${describeProducer(producer)} produces a tensor that ${describeProducer(previous)} already produces`,
      });
      return;
    }
    producers.set(tensor, producer);
  };

  for (const input of graph.inputs) declare(input.name, { kind: 'input' });
  for (const init of graph.initializers) declare(init.name, { kind: 'initializer' });

  // Where each tensor is produced by a node, to tell "added later" apart from "never produced".
  const laterProducer = new Map<string, string>();
  for (const node of graph.nodes) for (const output of node.outputs) if (output) laterProducer.set(output, node.name);

  const nodeNames = new Set<string>();
  const read = new Set<string>();
  for (const node of graph.nodes) {
    if (nodeNames.has(node.name)) {
      issues.push({
        problem: 'duplicate-name',
        node: node.name,
        opType: node.opType,
        detail: 'another node has the same name',
      });
    }
    nodeNames.add(node.name);
    for (const input of node.inputs) {
      if (!input) continue;
      read.add(input);
      if (producers.has(input)) continue;
      const later = laterProducer.get(input);
      issues.push({
        problem: 'unknown-input',
        node: node.name,
        opType: node.opType,
        tensor: input,
        detail: later
          ? `reads a tensor produced later by node "${later}": add nodes in topological order`
          : 'reads a tensor that no graph input, initializer or earlier node produces',
      });
    }
    for (const output of node.outputs) {
      if (output) declare(output, { kind: 'node', node: node.name, opType: node.opType });
    }
  }

  const outputNames = new Set<string>();
  for (const output of graph.outputs) {
    if (outputNames.has(output.name)) {
      issues.push({ problem: 'duplicate-name', tensor: output.name, detail: 'is declared as a graph output twice' });
    }
    outputNames.add(output.name);
    if (!producers.has(output.name)) {
      issues.push({
        problem: 'missing-output',
        tensor: output.name,
        detail: 'is declared as a graph output but no graph input, initializer or node produces it',
      });
    }
  }

  const unusedInitializers = graph.initializers
    .map((init) => init.name)
    .filter((name) => !read.has(name) && !outputNames.has(name));
  return { issues, check: { unusedInitializers } };
}

function describeProducer(producer: Producer): string {
  return producer.kind === 'node' ? `node "${producer.node}" (${producer.opType})` : `a graph ${producer.kind}`;
}
