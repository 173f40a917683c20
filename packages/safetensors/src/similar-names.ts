/**
 * Picks the names closest to `target` by edit distance, for "did you mean"
 * messages. A name qualifies when at most half of the longer name has to
 * change, so a missing `model.` prefix or another layer index still matches
 * while unrelated tensors do not.
 *
 * @param target - The name asked for.
 * @param candidates - The names that exist.
 * @param limit - How many names to return at most.
 * @returns Up to `limit` names, closest first (ties in `candidates` order).
 */
export function similarNames(target: string, candidates: Iterable<string>, limit = 5): string[] {
  const scored: { name: string; distance: number }[] = [];
  for (const name of candidates) {
    const distance = editDistance(target, name);
    if (distance <= Math.ceil(Math.max(target.length, name.length) / 2)) scored.push({ name, distance });
  }
  scored.sort((a, b) => a.distance - b.distance);
  return scored.slice(0, limit).map((entry) => entry.name);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      current[j] = Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}
