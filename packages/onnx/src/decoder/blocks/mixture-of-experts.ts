import { attr } from '../../graph/attributes.js';
import type { GraphBuilder } from '../../graph/graph-builder.js';
import type { DecoderBlock, DecoderLayerContext } from '../decoder-block.js';
import { addGatedMlp, readGatedMlp } from './gated-mlp.js';

/**
 * How a router turns its logits `[N, experts]` into per-token expert weights
 * `[N, experts]` that are zero for experts not chosen: softmax top-k
 * (Qwen3-MoE, Mixtral), sigmoid with a selection bias (DeepSeek-V3, GLM), ...
 */
export type ExpertRouting = (g: GraphBuilder, logits: string, context: DecoderLayerContext) => string;

/** The shape of a mixture-of-experts feed-forward block. */
export interface MixtureOfExpertsOptions {
  /** Experts in the layer. */
  numExperts: number;
  /** Width of one expert's gate/up projections (`moe_intermediate_size`). */
  expertWidth: number;
  /** The router (default {@link softmaxTopK} with `topK` and `normalizeTopK`). */
  routing?: ExpertRouting;
  /** Experts per token, for the default routing. */
  topK?: number;
  /** Divide the chosen weights by their sum (`norm_topk_prob`), for the default routing. */
  normalizeTopK?: boolean;
  /** The router's checkpoint tensor without `.weight` (default `<prefix>.mlp.gate`, `[experts, hidden]`). */
  routerTensor?: (prefix: string) => string;
  /** An expert's checkpoint prefix (default `<prefix>.mlp.experts.<e>`, holding `{gate,up,down}_proj`). */
  expertPrefix?: (prefix: string, expert: number) => string;
}

/**
 * Softmax over all experts in float32, the `topK` largest kept, divided by
 * their sum when `normalize`: Qwen3-MoE's and Mixtral's router. Returns the
 * dense per-token weights `[N, experts]`, zero for experts not chosen.
 */
export function softmaxTopK(topK: number, normalize: boolean): ExpertRouting {
  return (g, logits) => {
    const probabilities = g.softmax(logits, -1);
    const k = g.constant(new BigInt64Array([BigInt(topK)]), [1]);
    const [values, indices] = g.op('TopK', [probabilities, k], { axis: attr.int(-1) }, { outputs: 2 }) as [
      string,
      string,
    ];
    const chosen = normalize ? g.div(values, g.reduceSum(values, [-1], true)) : values;
    return g.op('ScatterElements', [g.constantOfShape(g.shape(probabilities), 0), indices, chosen], {
      axis: attr.int(1),
    })[0]!;
  };
}

/**
 * A mixture-of-experts feed-forward block: a float32 router, then one `If`
 * per expert that runs only when some token chose it. Inside, the rows of
 * the tokens that chose the expert are gathered, run through the expert's
 * gated MLP (`down(silu(gate x) · up x)`, in the decoder's weight format) and
 * scatter-added back, weighted. A decode step (one token) runs exactly its
 * top-k experts and reads only their weights; a prompt routes all its
 * tokens at once, one pass per chosen expert, never token by token.
 *
 * Why this design (measured, `pnpm --filter @pio/model-qwen3-moe bench:experts`;
 * `docs/architecture.md` has the numbers): onnxruntime's `QMoE` at 4 bits is
 * ~120 ms per layer per token on these CPUs, `MatMulNBits` over gathered
 * (non-constant) weights repacks them on every run, and computing every
 * expert reads `experts / topK` times the bytes; an `If` not taken costs
 * ~3 µs on an idle machine. The experts' weights stay in the outer graph
 * (read by the branches): moving them into their branches made onnxruntime
 * keep a second, unpacked copy (3.5× the weights' memory) for no speed.
 *
 * @param moe sizes, router and tensor names
 * @returns the block
 */
export function mixtureOfExperts(moe: MixtureOfExpertsOptions): DecoderBlock {
  const routing = moe.routing ?? softmaxTopK(moe.topK ?? 2, moe.normalizeTopK ?? false);
  const routerTensor = moe.routerTensor ?? ((prefix: string) => `${prefix}.mlp.gate`);
  const expertPrefix = moe.expertPrefix ?? ((prefix: string, expert: number) => `${prefix}.mlp.experts.${expert}`);
  return async (context, x) => {
    const { g, weights, options, prefix } = context;
    const { hiddenSize } = options;
    const { numExperts, expertWidth } = moe;
    const logits = await weights.linear(g, x, {
      name: routerTensor(prefix),
      parts: [{ tensor: routerTensor(prefix), rows: numExperts }],
      inFeatures: hiddenSize,
      format: { kind: 'float32' },
    });
    const dense = routing(g, logits, context);
    const zero = g.constant(new Float32Array([0]), []);
    const used = g.op('Greater', [g.op('ReduceMax', [dense, g.constant(new BigInt64Array([0n]), [1])], { keepdims: attr.int(0) })[0]!, zero])[0]!;
    let sum = g.constantOfShape(g.shape(x), 0);
    const sizes = { hiddenSize, intermediateSize: expertWidth };
    for (let expert = 0; expert < numExperts; expert++) {
      const name = expertPrefix(prefix, expert);
      const read = await readGatedMlp(weights, name, sizes);
      const index = g.constant(new BigInt64Array([BigInt(expert)]), []);
      const taken = g.gather(used, index, 0);
      const before = sum;
      const run = g.subgraph(`${name}/run`, (sub) => {
        const column = sub.gather(dense, index, 1);
        const rows = sub.op('NonZero', [sub.op('Greater', [column, zero])[0]!])[0]!;
        const flat = sub.reshape(rows, [-1]);
        const out = addGatedMlp(sub, weights, sub.gather(x, flat, 0), name, sizes, read);
        const weighted = sub.mul(out, sub.unsqueeze(sub.gather(column, flat, 0), [1]));
        return [
          sub.op('ScatterND', [before, sub.transpose(rows, [1, 0]), weighted], { reduction: attr.string('add') })[0]!,
        ];
      });
      const skip = g.subgraph(`${name}/skip`, () => [before]);
      sum = g.ifElse(taken, run, skip, 1, { name: `${name}/If` })[0]!;
    }
    return sum;
  };
}
