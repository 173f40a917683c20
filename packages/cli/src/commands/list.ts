import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverPlugins } from '@pio/core';
import type { CliIo } from '../io.js';

/** Options of `pio list`. */
export interface ListOptions {
  /** Print one JSON object instead of a table. */
  json?: boolean;
  /** Folders to discover from; default the working directory and the CLI's own install. */
  roots?: string[];
}

/**
 * Where the CLI discovers plugins: the working directory and the CLI's own
 * folder, so plugins installed beside it (as its dependencies or in a global
 * install) are found from any working directory.
 */
export function cliDiscoveryRoots(io: CliIo): string[] {
  return [io.cwd, dirname(fileURLToPath(import.meta.url))];
}

/**
 * `pio list`: the installed model plugins and every discovery problem.
 *
 * @returns the exit code: 0, or 1 when a plugin package has an error.
 */
export async function listCommand(io: CliIo, options: ListOptions = {}): Promise<number> {
  const roots = options.roots ?? cliDiscoveryRoots(io);
  const result = await discoverPlugins({ roots });
  const errors = result.problems.filter((problem) => problem.severity === 'error').length;
  if (options.json) {
    io.out(
      `${JSON.stringify(
        {
          plugins: result.plugins.map((plugin) => ({ ...plugin.metadata, packageDir: plugin.packageDir })),
          problems: result.problems.map((problem) => ({
            severity: problem.severity,
            packageName: problem.packageName,
            file: problem.file,
            code: problem.error.code,
            message: problem.error.message,
          })),
          searched: result.searched,
          durationMs: Math.round(result.durationMs),
        },
        null,
        2,
      )}\n`,
    );
    return errors > 0 ? 1 : 0;
  }
  if (result.plugins.length === 0) {
    io.out('No model plugins installed. Add one, for example: pnpm add @pio/model-llama\n');
  } else {
    io.out(`Model plugins (${result.plugins.length}):\n`);
    const rows = result.plugins.map(({ metadata }) => [
      metadata.name,
      metadata.version,
      metadata.family,
      metadata.size,
      [
        ...metadata.architectures.map((name) => (name === '*' ? 'any architecture' : name)),
        ...metadata.modelTypes.map((type) => `model_type=${type}`),
      ].join(', ') + (metadata.formats?.length ? ` (${metadata.formats.join(', ')} folders)` : ''),
    ]);
    io.out(formatTable(['name', 'version', 'family', 'size', 'handles'], rows));
  }
  for (const problem of result.problems) {
    io.err(`\n${problem.severity}: ${problem.error.message}\n`);
  }
  io.out(
    `\nScanned ${result.packagesScanned} packages in ${result.searched.length} node_modules folders in ${Math.round(result.durationMs)} ms.\n`,
  );
  return errors > 0 ? 1 : 0;
}

/** A plain, aligned text table. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
