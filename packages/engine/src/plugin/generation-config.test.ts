import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '@pio/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGenerationConfig } from './generation-config.js';

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-generation-config-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A checkpoint folder whose generation_config.json holds `text` (none when undefined). */
async function folderWith(text: string | undefined): Promise<string> {
  const dir = join(root, `checkpoint-${count++}`);
  await mkdir(dir);
  if (text !== undefined) await writeFile(join(dir, 'generation_config.json'), text);
  return dir;
}

describe('readGenerationConfig', () => {
  it('gives no defaults but an empty EOS list when the file is absent', async () => {
    expect(await readGenerationConfig(await folderWith(undefined))).toEqual({ eosTokenIds: [] });
  });

  it("maps a Llama 3.2 Instruct file's fields to camelCase", async () => {
    const dir = await folderWith(
      JSON.stringify({
        bos_token_id: 128000,
        do_sample: true,
        eos_token_id: [128001, 128008, 128009],
        temperature: 0.6,
        top_p: 0.9,
        transformers_version: '4.45.0.dev0',
      }),
    );
    expect(await readGenerationConfig(dir)).toEqual({
      eosTokenIds: [128001, 128008, 128009],
      doSample: true,
      temperature: 0.6,
      topP: 0.9,
    });
  });

  it('takes a single EOS id, top_k, repetition_penalty and max_new_tokens, and ignores wrongly typed values', async () => {
    const dir = await folderWith(
      JSON.stringify({
        eos_token_id: 2,
        top_k: 20,
        repetition_penalty: 1.1,
        max_new_tokens: 512,
        temperature: 'hot',
        do_sample: 'yes',
        top_p: null,
      }),
    );
    expect(await readGenerationConfig(dir)).toEqual({ eosTokenIds: [2], topK: 20, repetitionPenalty: 1.1, maxNewTokens: 512 });
  });

  it('keeps only the numbers of a mixed EOS list, and none of a missing one', async () => {
    expect(await readGenerationConfig(await folderWith('{"eos_token_id": [151645, "x", 151643]}'))).toEqual({
      eosTokenIds: [151645, 151643],
    });
    expect(await readGenerationConfig(await folderWith('{"do_sample": false}'))).toEqual({ eosTokenIds: [], doSample: false });
  });

  it('throws a CheckpointError naming the file when it is not JSON', async () => {
    const dir = await folderWith('{"eos_token_id": 2,');
    const error = await readGenerationConfig(dir).catch((e: unknown) => e);
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as CheckpointError).file).toBe(join(dir, 'generation_config.json'));
    expect((error as Error).message).toContain(`${join(dir, 'generation_config.json')}: it is not valid JSON`);
  });

  it('throws a CheckpointError when it holds something other than an object', async () => {
    for (const text of ['[1, 2]', '42', 'null']) {
      const error = await readGenerationConfig(await folderWith(text)).catch((e: unknown) => e);
      expect(CheckpointError.isInstance(error), text).toBe(true);
      expect((error as Error).message).toContain('it must hold a JSON object');
    }
  });
});
