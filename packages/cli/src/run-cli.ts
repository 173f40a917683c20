import { Command, CommanderError } from 'commander';
import { PioError } from '@pio/core';
import packageJson from '../package.json' with { type: 'json' };
import { infoCommand } from './commands/info.js';
import { listCommand } from './commands/list.js';
import { newModelCommand } from './commands/new-model.js';
import { type RunOptions, runCommand } from './commands/run.js';
import { collect, dtype, integer, number, tokenIds } from './parse-args.js';
import { type CliIo, processIo } from './io.js';

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

  program
    .command('run')
    .description('stream a completion of a prompt from a Hugging Face checkpoint folder')
    .argument('<checkpoint>', 'checkpoint folder (config.json, *.safetensors, tokenizer.json)')
    .argument('[prompt...]', 'the prompt')
    .option('-n, --max-new-tokens <n>', 'most tokens to generate', integer)
    .option('-t, --temperature <t>', 'sampling temperature; 0 is greedy', number)
    .option('--top-k <k>', 'keep the k most likely tokens', integer)
    .option('--top-p <p>', 'keep the most likely tokens up to probability mass p', number)
    .option('--min-p <p>', 'drop tokens below p times the top probability', number)
    .option('--repetition-penalty <r>', 'penalize tokens already seen (1 = off)', number)
    .option('--presence-penalty <x>', 'OpenAI presence penalty', number)
    .option('--frequency-penalty <x>', 'OpenAI frequency penalty', number)
    .option('--seed <n>', 'seed for reproducible sampling', integer)
    .option('--stop <text>', 'stop when this text appears (repeatable)', collect)
    .option('--input-ids <ids>', 'start from these token ids (comma-separated) instead of a prompt', tokenIds)
    .option('--dtype <dtype>', 'weights: float32, int8 or int4', dtype)
    .option('--threads <n>', 'onnxruntime threads (0: all cores)', integer)
    .option('--context <n>', 'context length (prompt + generation)', integer)
    .option('--cache-dir <dir>', 'where built graphs are cached')
    .option('--json', 'print one JSON object: promptIds, ids, text, finishReason, usage')
    .action(async (checkpoint: string, prompt: string[], options: RunOptions) => {
      exitCode = await runCommand(io, checkpoint, prompt, options);
    });

  program
    .command('new')
    .description('create things')
    .command('model')
    .description('generate a new model plugin package @pio/model-<name>')
    .argument('<name>', 'lowercase kebab-case model name, for example "phi3"')
    .option('--dir <dir>', 'folder to create the package in (default: models/ of the repository, or the working directory)')
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
