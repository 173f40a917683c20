import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCreateModelCli } from './run-create-model-cli.js';

describe('pio-create-model', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pio-create-model-cli-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function run(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCreateModelCli(argv, {
      cwd: root,
      out: (text) => {
        out += text;
      },
      err: (text) => {
        err += text;
      },
    });
    return { code, out, err };
  }

  it('prints help', async () => {
    const { code, out, err } = await run('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: pio-create-model <name> \[options\]/);
    expect(out).toContain('--model-type <type>');
    expect(err).toBe('');
  });

  it('generates a package with repeatable model types and architectures', async () => {
    const { code, out, err } = await run(
      'mistral',
      '--dir',
      'models',
      '--model-type',
      'mistral',
      '--model-type',
      'mixtral',
      '--architecture',
      'MistralForCausalLM',
      '--family',
      'Mistral',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`Created @pio/model-mistral in ${join(root, 'models', 'mistral')} (12 files).`);
    expect(out).toContain('pnpm --filter @pio/model-mistral test');
    const json = JSON.parse(await readFile(join(root, 'models/mistral/package.json'), 'utf8'));
    expect(json.pio).toMatchObject({
      modelTypes: ['mistral', 'mixtral'],
      architectures: ['MistralForCausalLM'],
      family: 'Mistral',
    });
  });

  it('refuses an existing folder unless --force is given', async () => {
    expect((await run('gemma', '--dir', 'taken')).code).toBe(0);
    const again = await run('gemma', '--dir', 'taken');
    expect(again.code).toBe(1);
    expect(again.err).toContain(`pio-create-model: ${join(root, 'taken', 'gemma')} already exists and is not empty`);
    expect((await run('gemma', '--dir', 'taken', '--force')).code).toBe(0);
  });

  it.each([
    [['Gemma2'], 'pio-create-model: Invalid model name "Gemma2": it has uppercase letters'],
    [['gemma_2'], 'lowercase kebab-case'],
    [[], 'pio-create-model: missing <name>\nRun "pio-create-model --help" for usage.'],
    [['a', 'b'], 'pio-create-model: one <name> expected, got a b'],
    [['gemma', '--colour'], "pio-create-model: Unknown option '--colour'"],
    [['gemma', '--dir'], "pio-create-model: Option '--dir <value>' argument missing"],
  ])('exits 1 with a clear message for %j', async (argv, message) => {
    const { code, out, err } = await run(...argv);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(message);
  });
});
