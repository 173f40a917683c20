import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type GenerateOptions, type GenerationDelta, type JsonSchema, PioError, type Prompt } from '@pio/core';
import type { CliIo } from '../io.js';
import { type GenerationFlagOptions, generateOptionsFrom } from '../options/generation-options.js';
import type { RuntimeFlagOptions } from '../options/runtime-options.js';
import type { OpenedCheckpoint } from './open-checkpoint.js';
import { openWithProgress } from './open-with-progress.js';

/** Options of `pio run`, as commander parses them. */
export interface RunOptions extends GenerationFlagOptions, RuntimeFlagOptions {
  /** `--input-ids`: start from these ids instead of a prompt. */
  inputIds?: number[];
  /** `--json`: one JSON object instead of streamed text. */
  json?: boolean;
  /** `--prompt-file`: read the prompt from this file (`-`: from stdin). */
  promptFile?: string;
  /** `--json-schema`: a JSON Schema file; the output is constrained to JSON that validates against it. */
  jsonSchema?: string;
}

/**
 * `pio run <checkpoint> [prompt]`: streams a completion to stdout (or prints
 * one JSON object with `--json`). The prompt comes from the arguments, from
 * `--prompt-file FILE`, or from stdin (`-` as the prompt, or `--prompt-file -`).
 *
 * @returns the exit code.
 */
export async function runCommand(
  io: CliIo,
  checkpoint: string,
  promptWords: string[],
  options: RunOptions,
): Promise<number> {
  const { prompt, source } = await readPrompt(io, promptWords, options.promptFile);
  if (!prompt && !options.inputIds) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: source
        ? `pio run needs a prompt or --input-ids: ${source} is empty.`
        : 'pio run needs a prompt or --input-ids.',
      hint: 'For example: pio run ./SmolLM2-135M "Once upon a time", or --prompt-file prompt.txt, or - to read stdin.',
    });
  }
  const schema = options.jsonSchema ? await readSchema(options.jsonSchema) : undefined;
  const opened = await openWithProgress(io, checkpoint, options);
  try {
    return await stream(io, opened, prompt, schema ? { ...options, schema } : options);
  } finally {
    await opened.manager[Symbol.asyncDispose]();
  }
}

async function stream(
  io: CliIo,
  opened: OpenedCheckpoint,
  prompt: string,
  options: RunOptions & { schema?: JsonSchema },
): Promise<number> {
  const { plugin } = opened;
  const generateOptions: GenerateOptions = {
    ...generateOptionsFrom(options),
    ...(options.schema ? { responseFormat: { type: 'json_schema' as const, schema: options.schema } } : {}),
  };
  // Text goes to the plugin as text: a remote model (@pio/model-remote) has no local tokenizer.
  const input: Prompt = options.inputIds ? { inputIds: options.inputIds } : prompt;
  const promptIds = options.json ? (options.inputIds ?? localPromptIds(opened, prompt)) : undefined;
  const deltas: AsyncIterable<GenerationDelta> = plugin.generate(input, generateOptions);
  const ids: number[] = [];
  let text = '';
  // The prompt is echoed once generation has started: a refused prompt (too long, say) is not printed back.
  let echoed = options.json || !prompt;
  for await (const delta of deltas) {
    if (!echoed) {
      io.out(prompt);
      echoed = true;
    }
    if (!options.json) io.out(delta.text);
    text += delta.text;
    if (delta.type === 'token') ids.push(delta.tokenId);
    else if (delta.type === 'finish') {
      const { usage, finishReason } = delta;
      if (options.json) {
        io.out(
          `${JSON.stringify({ plugin: opened.pluginName, promptIds, ids, text, finishReason, usage, loadMs: Math.round(opened.loadMs) })}\n`,
        );
      } else {
        io.out('\n');
        io.err(
          `\n${usage.completionTokens} tokens (${finishReason}) · load ${Math.round(opened.loadMs)} ms · first token ${Math.round(usage.timeToFirstTokenMs)} ms · ${usage.tokensPerSecond.toFixed(1)} tokens/s\n`,
        );
      }
    }
  }
  return 0;
}

/** The prompt's token ids for `--json`; `null` for a plugin without a local tokenizer (a remote model). */
function localPromptIds(opened: OpenedCheckpoint, prompt: string): number[] | null {
  try {
    return opened.plugin.tokenize(prompt);
  } catch (error) {
    if (PioError.isInstance(error) && error.code === 'PIO_REMOTE_UNSUPPORTED') return null;
    throw error;
  }
}

/**
 * The prompt of `pio run` and where it came from (for messages): the words
 * of the command line; `-` alone, or `--prompt-file -`, reads stdin; `--prompt-file FILE`
 * reads the file (UTF-8). One final newline of a file or stdin is dropped, as
 * the shell's `"$(cat FILE)"` does.
 *
 * @throws PioError `PIO_USAGE` for a prompt given twice or a file that cannot be read.
 */
async function readPrompt(
  io: CliIo,
  promptWords: readonly string[],
  promptFile: string | undefined,
): Promise<{ prompt: string; source?: string }> {
  const fromStdin =
    promptFile === '-' || (promptFile === undefined && promptWords.length === 1 && promptWords[0] === '-');
  if (promptFile !== undefined && promptWords.length > 0) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `pio run got a prompt twice: as arguments and with --prompt-file ${promptFile}.`,
      hint: 'Give the prompt either as arguments or with --prompt-file, not both.',
    });
  }
  if (fromStdin) return { prompt: dropFinalNewline(await readStdin(io)), source: 'stdin' };
  if (promptFile === undefined) return { prompt: promptWords.join(' ') };
  const file = resolve(io.cwd, promptFile);
  try {
    return { prompt: dropFinalNewline(await readFile(file, 'utf8')), source: `the prompt file ${file}` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new PioError({
      code: 'PIO_USAGE',
      message: `Cannot read the prompt file ${file}: ${reason}.`,
      hint: 'Give --prompt-file the path of a readable text file, or - to read the prompt from stdin.',
      cause: error,
    });
  }
}

async function readStdin(io: CliIo): Promise<string> {
  const input = io.input ?? process.stdin;
  if (input.isTTY) io.err('Reading the prompt from stdin (end it with Ctrl-D)...\n');
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function dropFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** The JSON Schema of `--json-schema FILE`. */
async function readSchema(file: string): Promise<JsonSchema> {
  let text: string;
  try {
    text = await readFile(resolve(file), 'utf8');
  } catch (cause) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `--json-schema: cannot read ${resolve(file)} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}).`,
      hint: 'Give the path of a JSON Schema file.',
      cause,
    });
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (cause) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `--json-schema: ${resolve(file)} is not JSON (${(cause as Error).message}).`,
      hint: 'The file must hold one JSON Schema object, for example {"type": "object", "properties": {...}}.',
      cause,
    });
  }
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `--json-schema: ${resolve(file)} holds ${Array.isArray(schema) ? 'an array' : JSON.stringify(schema)}, not a JSON Schema object.`,
      hint: 'The file must hold one JSON Schema object, for example {"type": "object", "properties": {...}}.',
    });
  }
  return schema as JsonSchema;
}
