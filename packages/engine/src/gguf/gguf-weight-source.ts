import { type GgmlMatMulNBits, GgufFile, ggmlToMatMulNBits, matMulNBitsTypes } from '@pio/gguf';
import { TensorShapeError } from '@pio/safetensors';

/** Hugging Face tensor names → llama.cpp's, for the whole tensors of a layer. */
const layerNames: [RegExp, string][] = [
  [/^input_layernorm\.weight$/, 'attn_norm.weight'],
  [/^self_attn\.([qkv])_proj\.(weight|bias)$/, 'attn_$1.$2'],
  [/^self_attn\.o_proj\.(weight|bias)$/, 'attn_output.$1'],
  [/^self_attn\.([qk])_norm\.weight$/, 'attn_$1_norm.weight'],
  [/^post_attention_layernorm\.weight$/, 'ffn_norm.weight'],
  [/^mlp\.(gate|up|down)_proj\.(weight|bias)$/, 'ffn_$1.$2'],
  // The router of a mixture of experts (`[experts, hidden]`).
  [/^mlp\.gate\.weight$/, 'ffn_gate_inp.weight'],
];
/** One expert's projection: slice `expert` of llama.cpp's stack `ffn_{gate,up,down}_exps.weight`. */
const expertName = /^mlp\.experts\.(\d+)\.(gate|up|down)_proj\.weight$/;
const globalNames: Record<string, string> = {
  'model.embed_tokens.weight': 'token_embd.weight',
  'model.norm.weight': 'output_norm.weight',
  'lm_head.weight': 'output.weight',
};

/** Where a Hugging Face tensor is in a GGUF file (see {@link ggufTensorLocation}). */
export interface GgufTensorLocation {
  /** The llama.cpp tensor name (`blk.3.ffn_up.weight`, `blk.3.ffn_up_exps.weight`). */
  tensor: string;
  /** For one expert of a mixture: its slice of the outermost dimension of the stacked `tensor`. */
  expert?: number;
}

/**
 * Where a Hugging Face tensor name is in a llama.cpp file:
 * `model.layers.3.mlp.up_proj.weight` → `blk.3.ffn_up.weight`,
 * `model.layers.3.mlp.gate.weight` (a router) → `blk.3.ffn_gate_inp.weight`,
 * `model.layers.3.mlp.experts.5.down_proj.weight` → slice 5 of
 * `blk.3.ffn_down_exps.weight` (llama.cpp stacks a layer's experts
 * outermost: `[experts, out, in]`). `undefined` for a name with no GGUF counterpart.
 */
export function ggufTensorLocation(name: string): GgufTensorLocation | undefined {
  const global = globalNames[name];
  if (global) return { tensor: global };
  const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  if (!layer) return undefined;
  const expert = expertName.exec(layer[2]!);
  if (expert) return { tensor: `blk.${layer[1]}.ffn_${expert[2]}_exps.weight`, expert: Number(expert[1]) };
  for (const [pattern, replacement] of layerNames) {
    if (pattern.test(layer[2]!)) return { tensor: `blk.${layer[1]}.${layer[2]!.replace(pattern, replacement)}` };
  }
  return undefined;
}

/**
 * The llama.cpp name of the tensor holding a Hugging Face tensor
 * (`model.layers.3.mlp.up_proj.weight` → `blk.3.ffn_up.weight`; an expert's
 * projection → its layer's stack `blk.3.ffn_up_exps.weight`, see
 * {@link ggufTensorLocation} for its slice), or `undefined` for a name with
 * no GGUF counterpart.
 */
export function ggufTensorName(name: string): string | undefined {
  return ggufTensorLocation(name)?.tensor;
}

/**
 * Undoes llama.cpp's q/k row permutation (`convert_hf_to_gguf.py` interleaves
 * each head's two rotary halves for the `llama` architecture): GGUF row
 * `2i + part` of a head goes back to Hugging Face row `part·headDim/2 + i`.
 * Works on any row-major `[heads·headDim, rowSize]` array: float weights and
 * biases (rowSize 1), and the packed blocks, scales and zero points of a
 * quantized weight (one row of each per output feature). Allocates one
 * output of the input's size.
 */
export function unpermuteRotaryRows<T extends Float32Array | Uint8Array>(values: T, heads: number, headDim: number): T {
  const rowSize = values.length / (heads * headDim);
  const out = new (values.constructor as new (length: number) => T)(values.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let part = 0; part < 2; part++) {
        const to = (h * headDim + part * half + i) * rowSize;
        const from = (h * headDim + 2 * i + part) * rowSize;
        out.set(values.subarray(from, from + rowSize), to);
      }
    }
  }
  return out;
}

/**
 * A weight in `MatMulNBits` layout that {@link GgufWeightSource.readPrequantized}
 * returns (`PrequantizedLinear` of `@pio/onnx`): `ggmlToMatMulNBits`' answer,
 * block minimums included for the types that have them.
 */
export type GgufPrequantized = GgmlMatMulNBits;

/** What a GGUF weight source needs to know of the model. */
export interface GgufWeightLayout {
  /** Attention heads (rows of q are `heads·headDim`). */
  numAttentionHeads: number;
  /** Key/value heads. */
  numKeyValueHeads: number;
  /** Size of one head. */
  headDim: number;
  /**
   * Hand over tensors stored at up to this many bits even when the graph
   * asks for fewer (`readPrequantized`'s `maxBits`): a file run at its own
   * precision keeps a Q4_K_M file's Q6_K tensors at 8 bits, as llama.cpp
   * does, instead of quantizing them again at 4. Default: `maxBits` rules.
   */
  keepStoredUpTo?: 4 | 8;
}

/**
 * A GGUF file seen as the Hugging Face-named float32 weights a decoder's graph
 * builder reads (`has`, `read`, `expectShape`): every tensor is read at its
 * offset and dequantized (`readTensorFloat32`), one at a time; the q/k rows of
 * `llama` files are put back in Hugging Face's rotate-half order (Qwen3 files
 * are written unpermuted). Nothing is transposed: GGUF shapes, read outermost
 * first, are Hugging Face's `[out, in]`. One expert of a mixture
 * (`mlp.experts.J.*_proj`) is slice J of llama.cpp's stacked
 * `ffn_*_exps` tensor, read alone by a positioned read of its bytes
 * (`readTensorSliceFloat32`): a stack is never read whole.
 *
 * Allocates one float32 copy of each tensor (or expert) read.
 */
export class GgufWeightSource {
  /** The GGUF file read. */
  readonly source: string;
  private readonly permuted: boolean;

  private constructor(
    private readonly file: GgufFile,
    private readonly layout: GgufWeightLayout,
  ) {
    this.source = file.file;
    this.permuted = file.metadata.findString('general.architecture') === 'llama';
  }

  /** Opens the file (every shard of a split set) for lazy reads. */
  static async open(path: string, layout: GgufWeightLayout): Promise<GgufWeightSource> {
    return new GgufWeightSource(await GgufFile.open(path), layout);
  }

  /** True when the file has the tensor of that Hugging Face name. */
  has(name: string): boolean {
    // An expert index past the stack is the stack's shape at fault: expectShape says so.
    const location = ggufTensorLocation(name);
    return location !== undefined && this.file.has(location.tensor);
  }

  /**
   * The tensor's values as float32, dequantized, q/k rows unpermuted for `llama`.
   *
   * @throws GgufFileError (`missing-tensor`) naming the llama.cpp name when absent.
   */
  async read(name: string): Promise<Float32Array> {
    const { tensor: gguf, expert } = ggufTensorLocation(name) ?? { tensor: name };
    if (expert !== undefined) return this.file.readTensorSliceFloat32(gguf, expert);
    const values = await this.file.readTensorFloat32(gguf);
    const rotary = /\.attn_([qk])\.(weight|bias)$/.exec(gguf);
    if (!this.permuted || !rotary) return values;
    const { numAttentionHeads, numKeyValueHeads, headDim } = this.layout;
    const heads = rotary[1] === 'q' ? numAttentionHeads : numKeyValueHeads;
    return unpermuteRotaryRows(values, heads, headDim);
  }

  /**
   * The tensor in `MatMulNBits` layout as the file stores it
   * (`ggmlToMatMulNBits`: Q4_0, Q4_1, Q4_K, Q3_K, Q2_K → 4 bits; Q8_0,
   * Q5_0, Q5_1, Q5_K, Q6_K → 8 bits; the op, less the block minimums of
   * Q4_1/Q5_1/Q2_K/Q4_K/Q5_K that the graph subtracts, then multiplies by
   * ggml's dequantized values: bit for bit, or for those five up to one
   * float32 rounding of each block's minimum, as they are mapped centered
   * on the op's default zero point), when that takes at most `maxBits` (or
   * the layout's `keepStoredUpTo`). q/k rows of `llama` files are
   * unpermuted as in {@link GgufWeightSource.read}; one expert is its slice
   * of the stack, read alone. `undefined` for every other tensor (float
   * ones, or more bits than `maxBits`: read as float32 and quantized at the
   * model's dtype).
   */
  async readPrequantized(name: string, maxBits: 4 | 8): Promise<GgufPrequantized | undefined> {
    const location = ggufTensorLocation(name);
    if (location === undefined || !this.file.has(location.tensor)) return undefined;
    const { tensor: gguf, expert } = location;
    const info = this.file.tensor(gguf);
    const rank = expert === undefined ? 2 : 3;
    if (info.shape.length !== rank || !(matMulNBitsTypes as readonly string[]).includes(info.type)) return undefined;
    const raw =
      expert === undefined ? await this.file.readTensorBytes(gguf) : await this.file.readTensorSliceBytes(gguf, expert);
    // Centered: codes of the types with minimums around the default zero point, so no zero points are stored.
    const weight = ggmlToMatMulNBits(raw, { centered: true });
    if (weight.bits > Math.max(maxBits, this.layout.keepStoredUpTo ?? 0)) return undefined;
    const rotary = /\.attn_([qk])\.weight$/.exec(gguf);
    if (!this.permuted || !rotary) return weight;
    const { numAttentionHeads, numKeyValueHeads, headDim } = this.layout;
    const heads = rotary[1] === 'q' ? numAttentionHeads : numKeyValueHeads;
    const unpermute = <T extends Uint8Array | Float32Array>(rows: T) => unpermuteRotaryRows(rows, heads, headDim);
    return {
      ...weight,
      packed: unpermute(weight.packed),
      scales: unpermute(weight.scales),
      ...(weight.zeroPoints ? { zeroPoints: unpermute(weight.zeroPoints) } : {}),
      ...(weight.blockMins ? { blockMins: unpermute(weight.blockMins) } : {}),
    };
  }

  /**
   * Checks a tensor's shape before reading it. One expert's `[out, in]` is
   * checked as its whole stack, `[expert_count, out, in]` (the count from
   * the file's `<arch>.expert_count`), so a stack of the wrong size or
   * orientation is refused before any expert is read.
   *
   * @throws TensorShapeError naming the file, the tensor (both names) and both shapes.
   * @throws GgufFileError when the tensor is absent.
   */
  async expectShape(name: string, expected: readonly number[]): Promise<void> {
    const { tensor: gguf, expert } = ggufTensorLocation(name) ?? { tensor: name };
    const found = this.file.tensor(gguf).shape;
    const wanted = expert === undefined ? expected : [this.expertCount(found), ...expected];
    if (found.length !== wanted.length || found.some((size, index) => size !== wanted[index])) {
      throw new TensorShapeError({
        file: this.source,
        tensor: expert === undefined ? `${name} (${gguf})` : `${name} (${gguf}, expert ${expert})`,
        found,
        expected: wanted,
      });
    }
  }

  /** Experts per stack: the metadata's `<arch>.expert_count`, else the stack's own outermost size. */
  private expertCount(stackShape: readonly number[]): number {
    const arch = this.file.metadata.findString('general.architecture');
    return this.file.metadata.findInteger(`${arch}.expert_count`) ?? stackShape[0] ?? 0;
  }

  /** Closes the file handles. */
  async close(): Promise<void> {
    await this.file.close();
  }
}
