import { PioError } from '@pio/core';
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { type BenchOptions, benchCommand } from './commands/bench.js';
import { type ChatCommandOptions, chatCommand } from './commands/chat.js';
import { type DemoOptions, demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { type EvalOptions, evalCommand } from './commands/eval.js';
import { infoCommand } from './commands/info.js';
import { listCommand } from './commands/list.js';
import { newModelCommand } from './commands/new-model.js';
import { type PullCommandOptions, pullCommand } from './commands/pull.js';
import { type RunOptions, runCommand } from './commands/run.js';
import { type ServeOptions, serveCommand } from './commands/serve.js';
import { type CliIo, processIo } from './io.js';
import { addGenerationOptions } from './options/generation-options.js';
import { addRuntimeOptions } from './options/runtime-options.js';
import {
  collect,
  dtypes,
  integer,
  nonNegativeInteger,
  positiveInteger,
  positiveIntegers,
  tokenIds,
} from './parse-args.js';

/**
 * Runs the `pio` command line with `argv` (without `node` and the script).
 * User errors print one line (no stack unless `--verbose`) and give a
 * non-zero exit code.
 *
 * @returns the exit code.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command('pio')
    .description('Run large language models locally from Node.js; every model is an npm package.')
    .version(packageJson.version)
    .option('--verbose', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('list')
    .description('list installed model plugins and every discovery problem')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      exitCode = await listCommand(io, options);
    });

  program
    .command('info')
    .description("show a plugin's manifest, or a checkpoint's plugin, size and memory per dtype (loads no weights)")
    .argument('<target>', 'an installed plugin name, or a checkpoint folder')
    .option('--json', 'print one JSON object')
    .action(async (target: string, options: { json?: boolean }) => {
      exitCode = await infoCommand(io, target, options);
    });

  const run = program
    .command('run')
    .description('stream a completion of a prompt from a Hugging Face checkpoint folder')
    .argument('<checkpoint>', 'checkpoint folder (config.json, *.safetensors, tokenizer.json)')
    .argument('[prompt...]', 'the prompt; - reads it from stdin');
  addRuntimeOptions(addGenerationOptions(run))
    .option('--prompt-file <file>', 'read the prompt from a file (- for stdin)')
    .option('--input-ids <ids>', 'start from these token ids (comma-separated) instead of a prompt', tokenIds)
    .option('--json', 'print one JSON object: promptIds, ids, text, finishReason, usage')
    .option('--json-schema <file>', 'constrain the output to JSON that validates against this JSON Schema file')
    .action(async (checkpoint: string, prompt: string[], options: RunOptions) => {
      exitCode = await runCommand(io, checkpoint, prompt, options);
    });

  const chat = program
    .command('chat')
    .description('chat with a checkpoint through its chat template (/help inside lists the commands)')
    .argument('<checkpoint>', 'checkpoint folder (config.json, *.safetensors, tokenizer.json)');
  addRuntimeOptions(addGenerationOptions(chat))
    .option('--system <text>', 'the first system message')
    .option('--chat-template <file>', "a Jinja chat template file to use instead of the model's")
    .action(async (checkpoint: string, options: ChatCommandOptions) => {
      exitCode = await chatCommand(io, checkpoint, options);
    });

  addRuntimeOptions(
    program
      .command('bench')
      .description('measure time to first token, prefill and decode tokens/s and peak memory of a checkpoint')
      .argument('<checkpoint>', 'checkpoint folder (config.json, *.safetensors, tokenizer.json)')
      .option(
        '--prompt-lengths <list>',
        'comma-separated prompt lengths in tokens (default 128,512,1024 as the context allows)',
        positiveIntegers,
      )
      .option('--decode-tokens <n>', 'tokens to generate after each prompt (default 32)', positiveInteger)
      .option('--repeat <n>', 'runs per prompt length; medians are reported (default 1)', positiveInteger),
  )
    .option('--json', 'print one JSON object')
    .action(async (checkpoint: string, options: BenchOptions) => {
      exitCode = await benchCommand(io, checkpoint, options);
    });

  program
    .command('eval')
    .description('perplexity of a text with sliding windows, top-1 accuracy and tokens/s, comparing dtypes')
    .argument('<checkpoint>', 'checkpoint folder (config.json, *.safetensors, tokenizer.json)')
    .requiredOption('--text <file>', 'the text to score, UTF-8 (- for stdin)')
    .option('--dtype <list>', 'comma-separated weights to compare: float32, int8, int4 (default float32)', dtypes)
    .option('--context <n>', "tokens per window (default the model's context, at most 1024)", positiveInteger)
    .option(
      '--stride <n>',
      'tokens between window starts, at most the context (default half the context)',
      positiveInteger,
    )
    .option('--max-tokens <n>', "score only the text's first n tokens", positiveInteger)
    .option('--threads <n>', 'onnxruntime threads (0: all cores)', nonNegativeInteger)
    .option('--cache-dir <dir>', 'where built graphs are cached')
    .option('--json', 'print one JSON object')
    .action(async (checkpoint: string, options: EvalOptions) => {
      exitCode = await evalCommand(io, checkpoint, options);
    });

  addRuntimeOptions(
    program
      .command('demo')
      .description('run the small trained demo model (@pio/demo-model) through the whole stack, stage by stage')
      .argument('[prompt...]', 'the prompt (default "And God said,")')
      .option('-n, --max-new-tokens <n>', 'tokens to generate (default 48)', positiveInteger)
      .option('--random', 'run a small random checkpoint (written once to the cache) instead'),
  ).action(async (prompt: string[], options: DemoOptions) => {
    exitCode = await demoCommand(io, prompt, options);
  });

  program
    .command('doctor')
    .description('check Node, the CPU, onnxruntime-node and its execution providers, the cache and the plugins')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      exitCode = await doctorCommand(io, options);
    });

  addRuntimeOptions(
    program
      .command('serve')
      .description('serve checkpoints over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions)')
      .argument('<checkpoint...>', 'checkpoint folders; each is a model named after its folder')
      .option('--port <n>', 'TCP port (0: any free port)', integer, 8080)
      .option('--host <host>', 'interface to bind (0.0.0.0 serves the network)', '127.0.0.1')
      .option('--api-key <key>', 'require Authorization: Bearer <key> on /v1 (default: $PIO_API_KEY)')
      .option('--max-queue <n>', 'requests allowed to wait per model; more get 429 (default 32)', integer)
      .option(
        '--request-timeout <ms>',
        'milliseconds a client has to send a whole request; slower ones are cut off (default 30000)',
        integer,
      )
      .option('--max-connections <n>', 'most open connections; more are closed at once (default 256)', integer)
      .option('--name <id>', 'model id of each checkpoint, in order (repeatable)', collect),
  ).action(async (checkpoints: string[], options: ServeOptions) => {
    exitCode = await serveCommand(io, checkpoints, options);
  });

  program
    .command('pull')
    .description(
      'download a model from the Hugging Face hub into the cache (resumable, verified); then `pio run <repo-id>`',
    )
    .argument('<repo-id>', 'the model repository, owner/name')
    .option('--revision <rev>', 'branch, tag or commit sha (default: main)')
    .option(
      '--dtype <dtype>',
      'ONNX variant of an onnx-only repository: fp32 (default), fp16, q8, int8, uint8, q4, q4f16, bnb4',
    )
    .option(
      '--quant <type>',
      'quantization of a GGUF repository: Q4_K_M (default when there are several), Q8_0, F16, ...',
    )
    .option('--include <glob>', 'also download files matching this glob (repeatable)', collect)
    .option('--exclude <glob>', 'do not download files matching this glob (repeatable)', collect)
    .option('--cache-dir <dir>', 'the PIO cache folder (default: $PIO_CACHE_DIR or ~/.cache/pio)')
    .option('--token <token>', 'hub access token (default: $HF_TOKEN)')
    .option('--endpoint <url>', 'hub URL (default: $HF_ENDPOINT or https://huggingface.co)')
    .option('--timeout <seconds>', 'seconds to wait for the hub to answer, and for each chunk of a file (default: 30)')
    .option('--json', 'print one JSON object')
    .action(async (repoId: string, options: PullCommandOptions) => {
      exitCode = await pullCommand(io, repoId, options);
    });

  program
    .command('new')
    .description('create things')
    .command('model')
    .description('generate a new model plugin package @pio/model-<name>')
    .argument('<name>', 'lowercase kebab-case model name, for example "phi3"')
    .option(
      '--dir <dir>',
      'folder to create the package in (default: models/ of the repository, or the working directory)',
    )
    .option('--model-type <type>', 'Hugging Face model_type it handles (default: the name)')
    .option('--architecture <name>', 'Hugging Face architecture it handles (default: <Pascal>ForCausalLM)')
    .option('--family <family>', 'model family (default: the display name)')
    .option('--force', 'overwrite an existing folder')
    .action(async (name: string, options: Record<string, string | boolean | undefined>) => {
      exitCode = await newModelCommand(io, name, options);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const verbose = argv.includes('--verbose');
    if (PioError.isInstance(error)) {
      io.err(`pio: ${error.message}\n`);
      if (verbose && error.stack) io.err(`${error.stack}\n`);
      return 1;
    }
    io.err(`pio: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
    if (verbose && (error as Error)?.stack) io.err(`${(error as Error).stack}\n`);
    return 2;
  }
}
