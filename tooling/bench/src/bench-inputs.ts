import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GgufWeightType, writeGgufCheckpoint } from '@pio/test-kit';

/** Deterministic ordinary-token prompts: different starts so no engine can reuse a cached prefix. */
export function makePrompt(length: number, regularTokens: number, variant: number): number[] {
  let state = 0x9e3779b9 ^ (variant * 7919);
  return Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 1 + (state % (regularTokens - 1));
  });
}

/**
 * Writes `file`, a GGUF of type `type` of the checkpoint in `checkpointDir`,
 * unless a marker beside it says it was written from this very checkpoint.
 */
export async function ensureGguf(
  checkpointDir: string,
  file: string,
  type: GgufWeightType,
  log: (line: string) => void,
): Promise<void> {
  const marker = `${file}.json`;
  const source = await stat(join(checkpointDir, 'pio-bench-checkpoint.json'));
  try {
    const recorded = JSON.parse(await readFile(marker, 'utf8')) as { sourceMtime: number };
    if (recorded.sourceMtime === source.mtimeMs) return;
  } catch {}
  log(`writing ${file} (${type})...`);
  const started = Date.now();
  await writeGgufCheckpoint(checkpointDir, file, type);
  await writeFile(
    marker,
    JSON.stringify({ sourceMtime: source.mtimeMs, type, seconds: (Date.now() - started) / 1000 }),
  );
}
