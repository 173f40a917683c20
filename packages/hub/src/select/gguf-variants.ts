import type { RepoFile } from '../listing/list-repo-files.js';

/** One GGUF model in a repository: a single file, or the parts of one split set. */
export interface GgufVariant {
  /** The quantization named in the file name (`Q4_K_M`, `Q8_0`, `F16`, ...), upper case; `undefined` when the name has none. */
  quant: string | undefined;
  /** The file, or the split set's parts in order (`-00001-of-00003.gguf`, ...). */
  files: RepoFile[];
  /** Bytes of all its files (files listed without a size count 0). */
  bytes: number;
}

/** The quantization `pio pull` takes from a GGUF repository when several are present and none is asked for: the common default of Ollama and LM Studio. */
export const defaultGgufQuant = 'Q4_K_M';

const splitPart = /-(\d{5})-of-(\d{5})\.gguf$/i;
// ggml type names as they appear in file names: Q4_K_M, Q5_K_S, Q8_0, IQ4_XS, IQ2_XXS, F16, BF16, F32, TQ1_0, MXFP4.
const quantName = /(?:^|[-_.])((?:I?Q\d(?:_[A-Z0-9]+)*)|BF16|F16|F32|TQ\d_\d|MXFP4)(?=[-_.])/i;

/** True for GGUF files that are not a model of their own: vision projectors (`mmproj-*`) and importance matrices. */
function isAuxiliary(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  return name.startsWith('mmproj') || name.includes('imatrix');
}

/**
 * Groups a repository's `.gguf` files into models: each single file is one,
 * and the parts of a split set (`name-00001-of-00003.gguf` …) are one
 * together, in part order. Vision projectors (`mmproj-*`) and importance
 * matrices are left out. Variants are sorted by path.
 */
export function ggufVariants(files: readonly RepoFile[]): GgufVariant[] {
  const groups = new Map<string, RepoFile[]>();
  for (const file of files) {
    if (!file.path.toLowerCase().endsWith('.gguf') || isAuxiliary(file.path)) continue;
    const split = splitPart.exec(file.path);
    const key = split ? `${file.path.slice(0, split.index)}#split${split[2]}` : file.path;
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  return [...groups.keys()].sort().map((key) => {
    const parts = groups.get(key)!.sort((a, b) => a.path.localeCompare(b.path));
    const name = parts[0]!.path.slice(parts[0]!.path.lastIndexOf('/') + 1);
    return {
      quant: quantName.exec(name)?.[1]?.toUpperCase(),
      files: parts,
      bytes: parts.reduce((sum, file) => sum + (file.size ?? 0), 0),
    };
  });
}
