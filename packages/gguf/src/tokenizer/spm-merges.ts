/**
 * BPE merges that make Hugging Face's BPE reproduce SentencePiece's
 * highest-score-first merging (what llama.cpp's SPM tokenizer does): every
 * split of a vocabulary piece into two pieces that are themselves in the
 * vocabulary, ordered by the score of the merged piece, highest first (ties
 * by the ids of the left then right piece, as transformers' GGUF converter
 * orders them).
 *
 * @param pieces - The vocabulary, by id.
 * @param scores - Each piece's score, by id.
 * @param mergeable - Which ids may be merged into or from (normal pieces).
 */
export function spmMerges(
  pieces: readonly string[],
  scores: readonly number[],
  mergeable: (id: number) => boolean,
): [string, string][] {
  const ids = new Map<string, number>();
  pieces.forEach((piece, id) => {
    if (mergeable(id)) ids.set(piece, id);
  });
  const merges: { left: string; right: string; score: number; leftId: number; rightId: number; id: number }[] = [];
  for (const [piece, id] of ids) {
    const chars = Array.from(piece);
    for (let cut = 1; cut < chars.length; cut++) {
      const left = chars.slice(0, cut).join('');
      const right = chars.slice(cut).join('');
      const leftId = ids.get(left);
      const rightId = ids.get(right);
      if (leftId !== undefined && rightId !== undefined) {
        merges.push({ left, right, score: scores[id] ?? 0, leftId, rightId, id });
      }
    }
  }
  merges.sort((a, b) => b.score - a.score || a.id - b.id || a.leftId - b.leftId || a.rightId - b.rightId);
  return merges.map(({ left, right }) => [left, right]);
}
