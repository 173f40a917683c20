import { Command, CommanderError } from 'commander';
import { PioError } from '@pio/core';
import packageJson from '../package.json' with { type: 'json' };
import { listCommand } from './commands/list.js';
import { newModelCommand } from './commands/new-model.js';
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
