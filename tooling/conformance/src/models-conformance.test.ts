import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkModelPackage } from './check-model-package.js';
import { formatConformanceReport } from './conformance-report.js';

const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));

/**
 * Every package folder under models/, as pnpm's `models/*` workspace glob sees
 * it: dot-folders (temporary work of tools) are not packages.
 */
function modelFolders(): string[] {
  try {
    return readdirSync(modelsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

describe('every package in models/', () => {
  const folders = modelFolders();

  it('is listed (there may be none yet)', () => {
    expect(folders.every((name) => !name.startsWith('.'))).toBe(true);
  });

  for (const folder of folders) {
    it(`models/${folder} conforms`, async () => {
      const report = await checkModelPackage(join(modelsDir, folder));
      expect(report.problems, formatConformanceReport(report)).toEqual([]);
    });
  }
});
