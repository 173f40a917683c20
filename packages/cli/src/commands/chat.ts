import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { type ChatMessage, type ChatOptions, type GenerationUsage, PioError, type TextModelPlugin } from '@pio/core';
import type { CliIo } from '../io.js';
import { type GenerationFlagOptions, generateOptionsFrom } from '../options/generation-options.js';
import type { RuntimeFlagOptions } from '../options/runtime-options.js';
import { formatMs } from '../progress.js';
import { openWithProgress } from './open-with-progress.js';

/** Options of `pio chat`, as commander parses them. */
export interface ChatCommandOptions extends GenerationFlagOptions, RuntimeFlagOptions {
  /** `--chat-template <file>`: a Jinja template to use instead of the model's. */
  chatTemplate?: string;
  /** `--system <text>`: the first system message. */
  system?: string;
}

const helpText = `Commands:
  /reset          forget the conversation (keeps the system message)
  /system <text>  set the system message (no text: remove it)
  /help           this list
  /exit           quit (or Ctrl-D; Ctrl-C stops an answer, at the prompt it quits)
`;

/**
 * `pio chat <checkpoint>`: an interactive chat with the model's chat
 * template. Answers stream; the conversation is kept across turns (the engine
 * reuses the keys and values of the prefix it shares with the last turn).
 *
 * @returns the exit code.
 * @throws ChatTemplateError (one line) when the model has no chat template and no `--chat-template` is given.
 */
export async function chatCommand(io: CliIo, checkpoint: string, options: ChatCommandOptions): Promise<number> {
  const chatOptions: ChatOptions = generateOptionsFrom(options);
  if (options.chatTemplate) chatOptions.chatTemplate = await readTemplate(io, options.chatTemplate);
  const opened = await openWithProgress(io, checkpoint, options);
  try {
    const { plugin } = opened;
    if (!plugin.chat) {
      throw new PioError({
        code: 'PIO_USAGE',
        message: `${opened.pluginName} cannot chat: its plugin has no chat().`,
        hint: 'Use pio run with a plain prompt.',
      });
    }
    // Render the template once before the first question (an aborted signal
    // generates nothing), so a model without one fails now, not after typing.
    for await (const _ of plugin.chat([{ role: 'user', content: 'Hello' }], { ...chatOptions, signal: AbortSignal.abort() })) {
      // nothing to show
    }
    io.err(`Chatting with ${opened.pluginName} (ready in ${formatMs(opened.loadMs)}). /help lists the commands.\n`);
    const chatter = plugin.chat.bind(plugin);
    return await converse(io, { chat: chatter }, chatOptions, options.system);
  } finally {
    await opened.manager[Symbol.asyncDispose]();
  }
}

async function readTemplate(io: CliIo, file: string): Promise<string> {
  const path = resolve(io.cwd, file);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new PioError({
      code: 'PIO_USAGE',
      message: `Cannot read the chat template ${path}: ${(error as Error).message}`,
      hint: 'Give a file holding a Jinja chat template (the chat_template of a tokenizer_config.json).',
      cause: error,
    });
  }
}

/** The read-answer loop; returns when the input ends, at `/exit`, or at Ctrl-C on the prompt. */
async function converse(
  io: CliIo,
  plugin: Required<Pick<TextModelPlugin, 'chat'>>,
  chatOptions: ChatOptions,
  system: string | undefined,
): Promise<number> {
  const input = io.input ?? process.stdin;
  const terminal = Boolean(input.isTTY);
  const output =
    input === process.stdin
      ? process.stdout
      : new Writable({
          write(chunk: Buffer | string, _encoding, done) {
            io.out(chunk.toString());
            done();
          },
        });
  const rl = createInterface({ input, output, terminal, prompt: '> ' });
  let answering: AbortController | undefined;
  let closed = false;
  const interrupt = () => {
    if (answering) answering.abort();
    else rl.close();
  };
  rl.on('SIGINT', interrupt);
  rl.on('close', () => {
    closed = true;
  });
  // Piped stdin: Ctrl-C reaches the process, not readline.
  const watchesProcess = input === process.stdin && !terminal;
  if (watchesProcess) process.on('SIGINT', interrupt);
  const prompt = () => {
    if (terminal && !closed) rl.prompt();
  };

  let messages: ChatMessage[] = system ? [{ role: 'system', content: system }] : [];
  try {
    prompt();
    for await (const line of rl) {
      const text = line.trim();
      if (text.startsWith('/')) {
        const command = text.split(/\s+/, 1)[0]!;
        const argument = text.slice(command.length).trim();
        if (command === '/exit' || command === '/quit') break;
        if (command === '/reset') {
          messages = messages.filter((message) => message.role === 'system');
          io.err('(conversation cleared)\n');
        } else if (command === '/system') {
          messages = messages.filter((message) => message.role !== 'system');
          if (argument) messages.unshift({ role: 'system', content: argument });
          io.err(argument ? '(system message set)\n' : '(system message removed)\n');
        } else if (command === '/help') {
          io.err(helpText);
        } else {
          io.err(`Unknown command ${command}. /help lists the commands.\n`);
        }
      } else if (text) {
        messages.push({ role: 'user', content: text });
        answering = new AbortController();
        const answer = await streamAnswer(io, plugin, messages, { ...chatOptions, signal: answering.signal });
        answering = undefined;
        messages.push({ role: 'assistant', content: answer.text });
        io.err(`${describeTurn(answer.usage, answer.aborted)}\n`);
      }
      prompt();
    }
  } finally {
    if (watchesProcess) process.off('SIGINT', interrupt);
    rl.close();
  }
  if (terminal) io.out('\n');
  return 0;
}

async function streamAnswer(
  io: CliIo,
  plugin: Required<Pick<TextModelPlugin, 'chat'>>,
  messages: readonly ChatMessage[],
  options: ChatOptions,
): Promise<{ text: string; usage: GenerationUsage | undefined; aborted: boolean }> {
  let text = '';
  let usage: GenerationUsage | undefined;
  let aborted = false;
  for await (const delta of plugin.chat(messages, options)) {
    io.out(delta.text);
    text += delta.text;
    if (delta.type === 'finish') {
      usage = delta.usage;
      aborted = delta.finishReason === 'abort';
    }
    // onnxruntime runs block the event loop: give Ctrl-C a turn between tokens.
    await new Promise((resolveTurn) => setImmediate(resolveTurn));
  }
  io.out('\n');
  return { text, usage, aborted };
}

function describeTurn(usage: GenerationUsage | undefined, aborted: boolean): string {
  if (!usage) return aborted ? '(stopped)' : '';
  const reused = usage.cachedPromptTokens ? `, ${usage.cachedPromptTokens} of ${usage.promptTokens} prompt tokens reused` : '';
  return `(${aborted ? 'stopped after ' : ''}${usage.completionTokens} tokens, ${usage.tokensPerSecond.toFixed(1)} tokens/s${reused})`;
}
