import type { GraphBuilder } from '../../graph/graph-builder.js';
import type { QuantizedMatMulNBits } from '../../quantization/matmul-nbits.js';
import type { DecoderBlock } from '../decoder-block.js';
import type { DecoderWeights } from '../decoder-weights.js';

/** The widths of a gated MLP. */
export interface GatedMlpSizes {
  /** Input and output width. */
  hiddenSize: number;
  /** Width of gate and up. */
  intermediateSize: number;
  /** Every projection must have a bias (`mlp_bias`); otherwise biases the checkpoint has are used. */
  bias?: boolean;
}

/**
 * The read (not yet added) weights of a gated MLP: fused gate/up `[2I, H]`
 * and down `[H, I]`, each float32 or, from a source that stores them
 * quantized at the decoder's bits (a GGUF Q4_0/Q8_0 file), in `MatMulNBits`
 * layout as stored.
 */
export interface GatedMlpWeights {
  /** Fused gate and up rows, and their bias. */
  gateUp: { weight: Float32Array | QuantizedMatMulNBits; bias: Float32Array | undefined };
  /** Down projection and its bias. */
  down: { weight: Float32Array | QuantizedMatMulNBits; bias: Float32Array | undefined };
}

/**
 * Reads the three projections at `<prefix>.{gate,up,down}_proj` (gate and up
 * fused by rows), as stored when the source holds them in `MatMulNBits`
 * layout at the decoder's bits ({@link DecoderWeights.readStoredLinear}).
 */
export async function readGatedMlp(
  weights: DecoderWeights,
  prefix: string,
  sizes: GatedMlpSizes,
): Promise<GatedMlpWeights> {
  const { hiddenSize, intermediateSize } = sizes;
  const gateUp = await weights.readStoredLinear({
    name: `${prefix}.gate_up_proj`,
    parts: [
      { tensor: `${prefix}.gate_proj`, rows: intermediateSize },
      { tensor: `${prefix}.up_proj`, rows: intermediateSize },
    ],
    inFeatures: hiddenSize,
    bias: sizes.bias === true,
  });
  const down = await weights.readStoredLinear({
    name: `${prefix}.down_proj`,
    parts: [{ tensor: `${prefix}.down_proj`, rows: hiddenSize }],
    inFeatures: intermediateSize,
    bias: sizes.bias === true,
  });
  return { gateUp, down };
}

/**
 * Adds `down(silu(gate(x)) · up(x))` for weights already read (synchronous,
 * so it can build inside an `If` branch).
 *
 * @param g the graph (or a subgraph builder)
 * @param weights the weight reader (stores the layers in its format)
 * @param x input rows `[N, hiddenSize]`
 * @param prefix names of the layers in the graph
 * @param sizes widths
 * @param read the weights from {@link readGatedMlp}
 * @returns output rows `[N, hiddenSize]`
 */
export function addGatedMlp(
  g: GraphBuilder,
  weights: DecoderWeights,
  x: string,
  prefix: string,
  sizes: GatedMlpSizes,
  read: GatedMlpWeights,
): string {
  const { hiddenSize, intermediateSize } = sizes;
  const gateUp = weights.addLinear(
    g,
    x,
    { name: `${prefix}.gate_up_proj`, inFeatures: hiddenSize },
    read.gateUp.weight,
    read.gateUp.bias,
  );
  const [gated, upped] = g.split(gateUp, { axis: -1, sizes: [intermediateSize, intermediateSize] }) as [string, string];
  const activated = g.mul(g.mul(gated, g.sigmoid(gated)), upped);
  return weights.addLinear(
    g,
    activated,
    { name: `${prefix}.down_proj`, inFeatures: intermediateSize },
    read.down.weight,
    read.down.bias,
  );
}

/**
 * `down(silu(gate(x)) · up(x))` with gate and up fused into one linear layer,
 * read from `<prefix>.{gate,up,down}_proj`: the MLP of Llama and Qwen, and
 * every expert of a mixture of experts.
 *
 * @returns output rows `[N, hiddenSize]`
 */
export async function gatedMlpAt(
  g: GraphBuilder,
  weights: DecoderWeights,
  x: string,
  prefix: string,
  sizes: GatedMlpSizes,
): Promise<string> {
  return addGatedMlp(g, weights, x, prefix, sizes, await readGatedMlp(weights, prefix, sizes));
}

/** The dense feed-forward block: {@link gatedMlpAt} at `<prefix>.mlp` with the decoder's `intermediateSize`. */
export const gatedMlp: DecoderBlock = ({ g, weights, options, prefix }, x) =>
  gatedMlpAt(g, weights, x, `${prefix}.mlp`, {
    hiddenSize: options.hiddenSize,
    intermediateSize: options.intermediateSize,
    bias: options.mlpBias,
  });
