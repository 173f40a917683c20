import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFingerprint, graphBuilderFingerprint, resolvePackageDir } from './code-fingerprint.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pio-code-fingerprint-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A fake model package at `<base>/@pio/model-fake` with its own `@pio/onnx` in node_modules. */
async function fakeModelPackage(base: string): Promise<string> {
  const dir = join(base, '@pio', 'model-fake');
  const files: Record<string, string> = {
    'package.json': '{"name":"@pio/model-fake","type":"module"}',
    'src/index.ts': 'export const buildGraph = () => "graph v1";\n',
    'src/architecture/layers.ts': 'export const layers = 16;\n',
    'src/plugin.test.ts': 'test code\n',
    'node_modules/@pio/onnx/package.json': '{"name":"@pio/onnx","exports":{"./package.json":"./package.json"}}',
    'node_modules/@pio/onnx/src/graph.ts': 'export const op = "MatMul";\n',
    'node_modules/@pio/onnx/dist/index.js': 'export const op = "MatMul";\n',
  };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return dir;
}

describe('graphBuilderFingerprint', () => {
  it('resolves @pio/onnx from the model package and fingerprints both; the same code elsewhere gives the same value', async () => {
    const model = await fakeModelPackage(join(root, 'a'));
    expect(resolvePackageDir('@pio/onnx', model)).toBe(join(model, 'node_modules', '@pio', 'onnx'));
    expect(resolvePackageDir('@pio/not-installed', model)).toBeUndefined();
    const first = await graphBuilderFingerprint(model);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(await graphBuilderFingerprint(model)).toBe(first);
    const copy = join(root, 'copy', '@pio', 'model-fake');
    await cp(model, copy, { recursive: true });
    expect(await graphBuilderFingerprint(copy)).toBe(first);
  });

  it("changes when one byte of the model package's source or of @pio/onnx's changes, not for tests", async () => {
    const base = await graphBuilderFingerprint(await fakeModelPackage(join(root, 'base')));
    const edited = await fakeModelPackage(join(root, 'edited'));
    await writeFile(join(edited, 'src/architecture/layers.ts'), 'export const layers = 17;\n');
    expect(await graphBuilderFingerprint(edited)).not.toBe(base);

    const onnxEdited = await fakeModelPackage(join(root, 'onnx-edited'));
    await writeFile(join(onnxEdited, 'node_modules/@pio/onnx/dist/index.js'), 'export const op = "Gemm";\n');
    expect(await graphBuilderFingerprint(onnxEdited)).not.toBe(base);

    const testEdited = await fakeModelPackage(join(root, 'test-edited'));
    await writeFile(join(testEdited, 'src/plugin.test.ts'), 'other test code\n');
    expect(await graphBuilderFingerprint(testEdited)).toBe(base);
  });

  it('is computed once per process for the same folders', async () => {
    const model = await fakeModelPackage(join(root, 'once'));
    const before = await codeFingerprint([model]);
    await writeFile(join(model, 'src/index.ts'), 'changed under a running process\n');
    expect(await codeFingerprint([model])).toBe(before);
  });
});
