import { parseArgs } from 'node:util';
import { PioError } from '@pio/core';
import { generateModelPackage } from './generate-model-package.js';

/** Where the CLI reads and writes; tests pass their own. */
export interface CreateModelCliIo {
  /** Working directory. */
  cwd: string;
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
}

const usage = `Usage: pio-create-model <name> [options]

Generates @pio/model-<name>, a PIO model plugin package: package.json with its
"pio" manifest, src/config.ts, src/plugin.ts, tests (with the shared conformance
suite) and a benchmark. <name> is lowercase kebab-case, like "qwen3" or "gpt-neox".

Options:
  --dir <dir>              folder to create <name>/ in (default: models/ of the
                           repository when run inside it, else the working directory)
  --model-type <type>      Hugging Face model_type it runs; repeatable
                           (default: the name with underscores)
  --architecture <name>    Hugging Face architecture it runs; repeatable
                           (default: <Pascal>ForCausalLM)
  --family <family>        model family (default: the display name)
  --display-name <name>    human name (default: the PascalCase name)
  --author <author>        pio.author (default: "PIO contributors")
  --description <text>     description and pio.description
  --force                  rewrite the generated files in an existing folder
  -h, --help               show this help
`;

/**
 * Runs `pio-create-model` with `argv` (without `node` and the script).
 * Usage and user errors print one message and give exit code 1; unexpected
 * errors give 2.
 *
 * @returns the exit code.
 */
export async function runCreateModelCli(argv: readonly string[], io: CreateModelCliIo = processIo()): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`pio-create-model: ${(error as Error).message}\nRun "pio-create-model --help" for usage.\n`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(usage);
    return 0;
  }
  if (positionals.length !== 1) {
    const problem = positionals.length === 0 ? 'missing <name>' : `one <name> expected, got ${positionals.join(' ')}`;
    io.err(`pio-create-model: ${problem}\nRun "pio-create-model --help" for usage.\n`);
    return 1;
  }
  try {
    const result = await generateModelPackage({
      name: positionals[0]!,
      cwd: io.cwd,
      ...(values.dir !== undefined ? { targetDir: values.dir } : {}),
      ...(values['model-type'] ? { modelTypes: values['model-type'] } : {}),
      ...(values.architecture ? { architectures: values.architecture } : {}),
      ...(values.family !== undefined ? { family: values.family } : {}),
      ...(values['display-name'] !== undefined ? { displayName: values['display-name'] } : {}),
      ...(values.author !== undefined ? { author: values.author } : {}),
      ...(values.description !== undefined ? { description: values.description } : {}),
      force: values.force === true,
    });
    io.out(
      `Created ${result.packageName} in ${result.dir} (${result.files.length} files).\n` +
        'Next:\n' +
        '  1. pnpm install                  links its workspace dependencies\n' +
        `  2. pnpm --filter ${result.packageName} test\n` +
        '  3. adapt src/config.ts and src/architecture/ where the model differs from Llama, and set "size", "parameters", "requiredMemoryGb" in its package.json\n' +
        'See docs/model-authors.md.\n',
    );
    return 0;
  } catch (error) {
    if (PioError.isInstance(error)) {
      io.err(`pio-create-model: ${error.message}\n`);
      return 1;
    }
    io.err(`pio-create-model: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 2;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      dir: { type: 'string' },
      'model-type': { type: 'string', multiple: true },
      architecture: { type: 'string', multiple: true },
      family: { type: 'string' },
      'display-name': { type: 'string' },
      author: { type: 'string' },
      description: { type: 'string' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function processIo(): CreateModelCliIo {
  return {
    cwd: process.cwd(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}
