import { spawn } from 'node:child_process';

/** Exit code and interleaved output of a finished command. */
export interface CommandResult {
  code: number | null;
  output: string;
}

/**
 * Runs a command to its end without blocking the test's event loop. The
 * child does not inherit vitest's own variables, so a nested vitest or tsx
 * starts as it would from a shell.
 */
export function runCommand(command: string, args: readonly string[], cwd: string): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const key of Object.keys(env)) {
    if (key.startsWith('VITEST') || key.startsWith('__VITEST') || key === 'NODE_OPTIONS' || key === 'TEST')
      delete env[key];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
