import { type DecoderBlock, GraphError } from '@pio/onnx';
import type { Glm4MoeLiteConfig } from '../config.js';
import { latentSoftmaxScale } from '../rotary-embeddings/latent-softmax-scale.js';

/** Epsilon of `q_a_layernorm` and `kv_a_layernorm`: transformers builds them with the RMSNorm default, not `rms_norm_eps`. */
const latentNormEps = 1e-6;

/**
 * Row order that de-interleaves `dims` rotary rows starting at `start`:
 * (x0, x1), (x2, x3), ... become x0, x2, ..., x1, x3, .... transformers'
 * `apply_rotary_pos_emb_interleave` returns exactly the rotate-half rotation
 * of that order, so permuting the projection's rows once at build time lets
 * the graph use the plain rotate-half `RotaryEmbedding` (no runtime cost).
 */
export function deinterleaveRows(weight: Float32Array, inFeatures: number, start: number, dims: number): void {
  const block = weight.slice(start * inFeatures, (start + dims) * inFeatures);
  for (let i = 0; i < dims; i++) {
    const from = i < dims / 2 ? 2 * i : 2 * (i - dims / 2) + 1;
    weight.set(block.subarray(from * inFeatures, (from + 1) * inFeatures), (start + i) * inFeatures);
  }
}

/**
 * GLM-4.7-Flash's multi-head latent attention in its absorbed form, over a
 * cache of one `[normed latent | rotated shared key]` row per token
 * (`kvLoraRank + qkRopeHeadDim` = 576 floats per layer, not 20 × (256 + 256)):
 *
 * - query `q_b(RMSNorm(q_a x))` (or `q_proj x`), the scale `1/sqrt(nope + rope)`
 *   folded into its weights, split per head into `q_nope` and `q_pe`;
 * - `q_nope` absorbed into the latent space by `kv_b_proj`'s key half,
 *   per head (`[H, nope, kvLoraRank]`, one batched MatMul), `q_pe` rotated;
 *   the query head is `[q_nope·W_UK | rope(q_pe)]`;
 * - key = value = `[RMSNorm(latent) | rope(k_pe)]`: one K/V head of width 576,
 *   the I/O's attention (cached MatMuls for steps, fused GroupQueryAttention
 *   for prompts, FACTS.md) with a key-only cache;
 * - of each head's output the first `kvLoraRank` dims, times `kv_b_proj`'s
 *   value half (`[H, kvLoraRank, v]`), then `o_proj`.
 *
 * The absorbed `kv_b_proj` halves are one batched MatMul each in float32, and
 * one `MatMulNBits` per head at int4/int8 (a batched MatMul has no N-bit
 * kernel; float32 halves would be ~40% of the bytes a token reads at int4).
 */
export function latentAttention(config: Glm4MoeLiteConfig): DecoderBlock {
  const { qLoraRank, kvLoraRank, qkNopeHeadDim: nope, qkRopeHeadDim: rope, vHeadDim } = config;
  const heads = config.numAttentionHeads;
  const qkHead = nope + rope;
  const interleaved = config.ropeInterleave;
  return async ({ g, weights, options, io, layer, prefix }, x) => {
    if (!io.rotate) {
      throw new GraphError({
        graphName: g.name,
        issues: [{ problem: 'invalid-argument', detail: "latent attention needs PIO's engine I/O (io.rotate)" }],
        hint: 'GLM-4.7-Flash cannot be exported with the Optimum (transformers.js) I/O.',
      });
    }
    const { hiddenSize } = options;
    const attn = `${prefix}.self_attn`;
    const bias = config.attentionBias;
    const linear = async (input: string, tensor: string, rows: number, inFeatures: number, scale?: number) => {
      const spec = { name: tensor, parts: [{ tensor, rows, ...(scale ? { scale } : {}) }], inFeatures };
      const read = await weights.readLinear(spec);
      if ((interleaved && tensor.endsWith('q_b_proj')) || (interleaved && tensor.endsWith('q_proj'))) {
        for (let head = 0; head < heads; head++) deinterleaveRows(read.weight, inFeatures, head * qkHead + nope, rope);
      }
      if (interleaved && tensor.endsWith('kv_a_proj_with_mqa')) {
        deinterleaveRows(read.weight, inFeatures, kvLoraRank, rope);
        if (read.bias) deinterleaveRows(read.bias, 1, kvLoraRank, rope);
      }
      return weights.addLinear(g, input, spec, read.weight, read.bias);
    };
    const scale = latentSoftmaxScale(config);
    let query: string;
    if (qLoraRank === null) {
      query = await linear(x, `${attn}.q_proj`, heads * qkHead, hiddenSize, scale);
    } else {
      const compressed = await linear(x, `${attn}.q_a_proj`, qLoraRank, hiddenSize);
      const norm = await weights.normWeight(g, `${attn}.q_a_layernorm.weight`, qLoraRank);
      const normed = g.simplifiedLayerNormalization(compressed, norm, { epsilon: latentNormEps });
      query = await linear(normed, `${attn}.q_b_proj`, heads * qkHead, qLoraRank, scale);
    }
    const [qNope, qPe] = g.split(g.reshape(query, [-1, heads, qkHead]), { axis: -1, sizes: [nope, rope] }) as [
      string,
      string,
    ];

    // kv_b_proj [H * (nope + v), kvLoraRank]: per head, nope key rows then v value rows.
    const kvB = await weights.read(`${attn}.kv_b_proj.weight`, [heads * (nope + vHeadDim), kvLoraRank]);
    const keyHalf = new Float32Array(heads * nope * kvLoraRank);
    const valueHalf = new Float32Array(heads * kvLoraRank * vHeadDim);
    for (let head = 0; head < heads; head++) {
      const base = head * (nope + vHeadDim) * kvLoraRank;
      keyHalf.set(kvB.subarray(base, base + nope * kvLoraRank), head * nope * kvLoraRank);
      for (let v = 0; v < vHeadDim; v++) {
        for (let i = 0; i < kvLoraRank; i++) {
          valueHalf[(head * kvLoraRank + i) * vHeadDim + v] = kvB[base + (nope + v) * kvLoraRank + i]!;
        }
      }
    }
    // Float32: one batched MatMul per half. N-bit: one MatMulNBits per head (reads an eighth of the bytes; a
    // batched MatMul has no N-bit kernel).
    const quantized = weights.format.kind === 'nbits';
    const perHead = (
      input: string,
      inFeatures: number,
      outFeatures: number,
      half: string,
      rows: (h: number) => Float32Array,
    ) => {
      const parts = g.split(input, { axis: 1, sizes: Array.from({ length: heads }, () => 1) });
      const outputs = parts.map((part, head) =>
        weights.addLinear(
          g,
          g.reshape(part, [-1, inFeatures]),
          { name: `${attn}.kv_b_proj.${half}.${head}`, inFeatures },
          rows(head),
        ),
      );
      return g.reshape(g.concat(outputs, -1), [-1, heads, outFeatures]);
    };
    // [N, H, nope] -> [N, H, kv]: W_UK[h] is kv_b's key rows of head h, [nope, kv], used as x · W_UK[h].
    const qLatent = quantized
      ? perHead(qNope, nope, kvLoraRank, 'key_half', (head) =>
          transposed(keyHalf.subarray(head * nope * kvLoraRank, (head + 1) * nope * kvLoraRank), nope, kvLoraRank),
        )
      : g.transpose(
          g.matMul(
            g.transpose(qNope, [1, 0, 2]),
            g.initializer(`${attn}.kv_b_proj.key_half`, keyHalf, [heads, nope, kvLoraRank]),
          ),
          [1, 0, 2],
        );
    const qRotated = g.reshape(io.rotate(g.reshape(qPe, [-1, heads * rope]), heads, rope), [-1, heads, rope]);
    const fullQuery = g.reshape(g.concat([qLatent, qRotated], -1), [-1, heads * (kvLoraRank + rope)]);

    const compressedKv = await linear(x, `${attn}.kv_a_proj_with_mqa`, kvLoraRank + rope, hiddenSize);
    const [latent, kPe] = g.split(compressedKv, { axis: -1, sizes: [kvLoraRank, rope] }) as [string, string];
    const kvNorm = await weights.normWeight(g, `${attn}.kv_a_layernorm.weight`, kvLoraRank);
    const key = g.concat(
      [g.simplifiedLayerNormalization(latent, kvNorm, { epsilon: latentNormEps }), io.rotate(kPe, 1, rope)],
      -1,
    );
    const attended = io.attention(layer, { query: fullQuery, key, value: key }, { rotated: true });
    // [N, H*576] -> [N, H, kv] (the latent part) -> x W_UV[h] per head -> [N, H*v]
    const latentContext = g.slice(g.reshape(attended, [-1, heads, kvLoraRank + rope]), {
      starts: [0],
      ends: [kvLoraRank],
      axes: [2],
    });
    const mixed = quantized
      ? perHead(latentContext, kvLoraRank, vHeadDim, 'value_half', (head) =>
          transposed(
            valueHalf.subarray(head * kvLoraRank * vHeadDim, (head + 1) * kvLoraRank * vHeadDim),
            kvLoraRank,
            vHeadDim,
          ),
        )
      : g.transpose(
          g.matMul(
            g.transpose(latentContext, [1, 0, 2]),
            g.initializer(`${attn}.kv_b_proj.value_half`, valueHalf, [heads, kvLoraRank, vHeadDim]),
          ),
          [1, 0, 2],
        );
    const context = g.reshape(mixed, [-1, heads * vHeadDim]);
    return weights.linear(g, context, {
      name: `${attn}.o_proj`,
      parts: [{ tensor: `${attn}.o_proj`, rows: hiddenSize }],
      inFeatures: heads * vHeadDim,
      bias,
    });
  };
}

/** `[rows, columns]` row-major → its transpose `[columns, rows]` (a linear layer's `[out, in]` from a `[in, out]` matrix). */
function transposed(matrix: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(matrix.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = matrix[r * columns + c]!;
  return out;
}
