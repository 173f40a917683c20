import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '@pio/core';
import { loadTokenizerFiles, tokenizerDir } from '@pio/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextTokenizer } from './text-tokenizer.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-text-tokenizer-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const texts = [
  'Hello world',
  'The quick brown fox jumps over the lazy dog.',
  '  leading spaces, tabs\tand\nnewlines  ',
  'Emoji 👋🏽 and a family 👨‍👩‍👧 and CJK 世界你好 and RTL שלום',
  'const x = (a, b) => a || b; // code',
];

describe('TextTokenizer with the real tokenizer files', () => {
  it('gpt2: encodes "Hello world" to its known ids, without special tokens, and round-trips text', async () => {
    const tokenizer = await TextTokenizer.fromCheckpoint(tokenizerDir('gpt2'));
    expect(tokenizer.encode('Hello world')).toEqual([15496, 995]);
    expect(tokenizer.decode([15496, 995])).toBe('Hello world');
    for (const text of texts) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    // clean_up_tokenization_spaces is true in its tokenizer_config.json: decode drops a space before "?", as transformers does.
    expect(tokenizer.decode(tokenizer.encode('Why ?'))).toBe('Why?');
    expect(tokenizer.eosTokenId).toBe(50256);
    expect(tokenizer.bosTokenId).toBe(50256);
    expect(tokenizer.chatTemplate).toBeUndefined();
  });

  it('llama3: encodes as its tokenizer.json says (this one has no BOS post-processor) and skips special tokens on request', async () => {
    const tokenizer = await TextTokenizer.fromCheckpoint(tokenizerDir('llama3'));
    // This tokenizer.json (as Meta-Llama-3's first release) has a plain ByteLevel post-processor: no BOS is added.
    expect(tokenizer.encode('Hello world')).toEqual([9906, 1917]);
    expect(tokenizer.encode('Hello world', { addSpecialTokens: false })).toEqual([9906, 1917]);
    expect(tokenizer.encode('<|begin_of_text|>Hello world')).toEqual([128000, 9906, 1917]);
    expect(tokenizer.decode([128000, 9906, 1917])).toBe('<|begin_of_text|>Hello world');
    expect(tokenizer.decode([128000, 9906, 1917], { skipSpecialTokens: true })).toBe('Hello world');
    for (const text of texts) {
      expect(tokenizer.decode(tokenizer.encode(text), { skipSpecialTokens: true })).toBe(text);
    }
    expect(tokenizer.bosTokenId).toBe(128000);
    expect(tokenizer.eosTokenId).toBe(128001);
    expect(tokenizer.tokenToId('<|eot_id|>')).toBe(128009);
    expect(tokenizer.tokenToId('no such token, surely')).toBeUndefined();
    expect(tokenizer.chatTemplate).toContain('<|start_header_id|>');
  });

  it('qwen3: no BOS, <|im_end|> as EOS, special tokens in text are encoded as single ids', async () => {
    const tokenizer = await TextTokenizer.fromCheckpoint(tokenizerDir('qwen3'));
    expect(tokenizer.encode('Hello world')).toEqual([9707, 1879]);
    expect(tokenizer.bosTokenId).toBeUndefined();
    expect(tokenizer.eosTokenId).toBe(151645);
    const ids = tokenizer.encode('<|im_start|>user\nHi<|im_end|>');
    expect(ids[0]).toBe(151644);
    expect(ids.at(-1)).toBe(151645);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('user\nHi');
    for (const text of texts) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    // clean_up_tokenization_spaces is false here: text comes back exactly.
    expect(tokenizer.decode(tokenizer.encode('Why ?'))).toBe('Why ?');
    expect(tokenizer.chatTemplate).toContain('<|im_start|>');
  });

  it('decodes an empty list to an empty string', async () => {
    const { tokenizerJson, tokenizerConfig } = await loadTokenizerFiles('gpt2');
    const tokenizer = new TextTokenizer(tokenizerJson, tokenizerConfig);
    expect(tokenizer.decode([])).toBe('');
    expect(tokenizer.encode('')).toEqual([]);
    expect(tokenizer.config.tokenizer_class).toBe('GPT2Tokenizer');
  });

  it('works without tokenizer_config.json (it is optional)', async () => {
    const dir = join(root, 'no-config');
    await mkdir(dir);
    await copyFile(join(tokenizerDir('gpt2'), 'tokenizer.json'), join(dir, 'tokenizer.json'));
    const tokenizer = await TextTokenizer.fromCheckpoint(dir);
    expect(tokenizer.encode('Hello world')).toEqual([15496, 995]);
    expect(tokenizer.config).toEqual({});
    expect(tokenizer.eosTokenId).toBeUndefined();
  });
});

describe('TextTokenizer.fromCheckpoint on broken folders', () => {
  async function failure(dir: string): Promise<CheckpointError> {
    const error = await TextTokenizer.fromCheckpoint(dir).catch((e: unknown) => e);
    expect(CheckpointError.isInstance(error), String(error)).toBe(true);
    return error as CheckpointError;
  }

  it('names the missing tokenizer.json and says what a checkpoint needs', async () => {
    const dir = join(root, 'missing');
    await mkdir(dir);
    const error = await failure(dir);
    expect(error.file).toBe(join(dir, 'tokenizer.json'));
    expect(error.message).toContain(join(dir, 'tokenizer.json'));
    expect(error.message).toContain('does not exist');
    expect(error.message).toContain('needs the tokenizer.json');
  });

  it('names a tokenizer.json that is not JSON', async () => {
    const dir = join(root, 'not-json');
    await mkdir(dir);
    await writeFile(join(dir, 'tokenizer.json'), '{"version": "1.0", "model": ');
    const error = await failure(dir);
    expect(error.file).toBe(join(dir, 'tokenizer.json'));
    expect(error.message).toMatch(/tokenizer\.json: it is not a valid JSON object/);
  });

  it('names a tokenizer.json that is JSON but not an object', async () => {
    const dir = join(root, 'array');
    await mkdir(dir);
    await writeFile(join(dir, 'tokenizer.json'), '[1, 2, 3]');
    const error = await failure(dir);
    expect(error.message).toContain('not a valid JSON object');
  });

  it('names a tokenizer_config.json that is not JSON', async () => {
    const dir = join(root, 'bad-config');
    await mkdir(dir);
    await copyFile(join(tokenizerDir('gpt2'), 'tokenizer.json'), join(dir, 'tokenizer.json'));
    await writeFile(join(dir, 'tokenizer_config.json'), 'not json');
    const error = await failure(dir);
    expect(error.file).toBe(join(dir, 'tokenizer_config.json'));
  });

  it('names a tokenizer.json the tokenizer library cannot build a tokenizer from', async () => {
    const dir = join(root, 'no-model');
    await mkdir(dir);
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', model: { type: 'NoSuchModel' } }));
    const error = await failure(dir);
    expect(error.file).toBe(join(dir, 'tokenizer.json'));
    expect(error.message).toContain('the tokenizer cannot be built from it');
  });
});
