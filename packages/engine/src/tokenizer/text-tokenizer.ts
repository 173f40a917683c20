import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { CheckpointError } from '@pio/core';
import { releaseConstructionTables } from './release-construction-tables.js';

/** Options of {@link TextTokenizer.encode}. */
export interface EncodeOptions {
  /** Add the special tokens the tokenizer's post-processor adds (BOS, ...). Default true. */
  addSpecialTokens?: boolean;
}

/** Options of {@link TextTokenizer.decode}. */
export interface DecodeOptions {
  /** Leave special tokens out. Default false. */
  skipSpecialTokens?: boolean;
}

/**
 * A checkpoint's tokenizer, read from `tokenizer.json` and
 * `tokenizer_config.json` and run by `@huggingface/tokenizers` (pure JS).
 */
export class TextTokenizer {
  private readonly tokenizer: Tokenizer;

  /** The parsed `tokenizer_config.json` (chat template, special tokens, ...). */
  readonly config: Readonly<Record<string, unknown>>;

  /** The `type` of `tokenizer.json`'s decoder and of its steps (`ByteLevel`, `ByteFallback`, `Metaspace`, ...). */
  readonly decoderTypes: readonly string[];

  /** Wraps parsed tokenizer files. */
  constructor(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>) {
    this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    // ~44 MiB of a 128k-token BPE vocabulary the library keeps but never reads again.
    releaseConstructionTables(this.tokenizer);
    this.config = tokenizerConfig;
    this.decoderTypes = decoderTypesOf(tokenizerJson.decoder);
  }

  /**
   * Every token as written in the vocabulary, by id (`''` where an id has
   * none), and the ids of special added tokens: what a grammar compiler needs.
   * Allocates one string array of the vocabulary's size.
   */
  vocabulary(): { tokens: string[]; specialTokenIds: number[] } {
    const tokens: string[] = [];
    for (const [token, id] of this.tokenizer.get_vocab(true)) tokens[id] = token;
    for (let id = 0; id < tokens.length; id++) tokens[id] ??= '';
    const specialTokenIds: number[] = [];
    for (const [id, added] of this.tokenizer.get_added_tokens_decoder()) if (added.special) specialTokenIds.push(id);
    return { tokens, specialTokenIds };
  }

  /**
   * Reads `tokenizer.json` and `tokenizer_config.json` from a checkpoint folder.
   *
   * @throws CheckpointError when a file is missing or not JSON.
   */
  static async fromCheckpoint(dir: string): Promise<TextTokenizer> {
    const [json, config] = await Promise.all([
      readJsonFile(join(dir, 'tokenizer.json'), true),
      readJsonFile(join(dir, 'tokenizer_config.json'), false),
    ]);
    try {
      return new TextTokenizer(json ?? {}, config ?? {});
    } catch (cause) {
      throw new CheckpointError({
        file: join(dir, 'tokenizer.json'),
        reason: `the tokenizer cannot be built from it: ${(cause as Error).message}`,
        cause,
      });
    }
  }

  /** Token ids of `text`. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  /** Text of `ids`; an empty list gives an empty string. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** The id of a token string, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** The `chat_template` of tokenizer_config.json, when it is a string. */
  get chatTemplate(): string | undefined {
    const template = this.config.chat_template;
    return typeof template === 'string' ? template : undefined;
  }

  /** The id of `eos_token` in tokenizer_config.json, when it names a known token. */
  get eosTokenId(): number | undefined {
    return this.specialTokenId('eos_token');
  }

  /** The id of `bos_token` in tokenizer_config.json, when it names a known token. */
  get bosTokenId(): number | undefined {
    return this.specialTokenId('bos_token');
  }

  /** The text of `eos_token` in tokenizer_config.json (for chat templates). */
  get eosToken(): string | undefined {
    return this.specialToken('eos_token');
  }

  /** The text of `bos_token` in tokenizer_config.json (for chat templates). */
  get bosToken(): string | undefined {
    return this.specialToken('bos_token');
  }

  private specialToken(key: string): string | undefined {
    const value = this.config[key];
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
      return (value as { content: string }).content;
    }
    return undefined;
  }

  private specialTokenId(key: string): number | undefined {
    const content = this.specialToken(key);
    return content === undefined ? undefined : this.tokenToId(content);
  }
}

function decoderTypesOf(decoder: unknown): string[] {
  if (decoder === null || typeof decoder !== 'object') return [];
  const { type, decoders } = decoder as { type?: unknown; decoders?: unknown };
  const own = typeof type === 'string' ? [type] : [];
  return Array.isArray(decoders) ? [...own, ...decoders.flatMap(decoderTypesOf)] : own;
}

async function readJsonFile(file: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if (!required && (cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError({
      file,
      reason: (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (cause as Error).message,
      hint: 'A checkpoint folder needs the tokenizer.json (and tokenizer_config.json) of its model.',
      cause,
    });
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not a JSON object');
    return json as Record<string, unknown>;
  } catch (cause) {
    throw new CheckpointError({ file, reason: `it is not a valid JSON object (${(cause as Error).message})`, cause });
  }
}
