import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { captureIo } from './testing/capture-io.js';

describe('pio --help and --verbose', () => {
  it.each([
    ['run', ['--top-p', '--dtype', '--input-ids']],
    ['chat', ['--top-p', '--dtype', '--chat-template', '--system']],
    ['bench', ['--prompt-lengths', '--decode-tokens', '--repeat', '--threads', '--json']],
    ['demo', ['--max-new-tokens', '--cache-dir', '--random']],
    ['eval', ['--text', '--dtype', '--context', '--stride', '--max-tokens', '--json']],
    ['doctor', ['--json']],
  ])('pio %s --help lists its options', async (command, options) => {
    const io = captureIo(process.cwd());
    expect(await runCli([command, '--help'], io)).toBe(0);
    for (const option of options) expect(io.stdout).toContain(option);
  });

  it('shares one list of sampling flags between run and chat', async () => {
    const flags = async (command: string) => {
      const io = captureIo(process.cwd());
      await runCli([command, '--help'], io);
      return (io.stdout.match(/--(top-k|top-p|min-p|seed|temperature|max-new-tokens|repetition-penalty|presence-penalty|frequency-penalty|stop)\b/g) ?? []).sort();
    };
    expect(await flags('chat')).toEqual(await flags('run'));
  });

  it('prints a user error in one line, and its stack only with --verbose', async () => {
    const quiet = captureIo(process.cwd());
    expect(await runCli(['chat', '/no/such/checkpoint'], quiet)).toBe(1);
    expect(quiet.stderr).toMatch(/^pio: .*no such folder/);
    expect(quiet.stderr).not.toContain('    at ');
    const verbose = captureIo(process.cwd());
    expect(await runCli(['--verbose', 'chat', '/no/such/checkpoint'], verbose)).toBe(1);
    expect(verbose.stderr).toContain('    at ');
  });
});
