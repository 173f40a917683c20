import { readdir, readFile, mkdir, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** name → folder of every package in the workspace (`packages/*`, `tooling/*`, `models/*`). */
async function workspacePackages(repoRoot: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const group of ['packages', 'tooling', 'models']) {
    const entries = await readdir(join(repoRoot, group), { withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dir = join(repoRoot, group, entry.name);
      try {
        const { name } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string };
        if (name) found.set(name, dir);
      } catch {
        // A folder being written by someone else: not a package yet.
      }
    }
  }
  return found;
}

/**
 * Does what `pnpm install` would do for a package that is not (yet) part of
 * the lockfile: links each of its dependencies into its `node_modules` —
 * `workspace:` ones to the workspace package, the others to the copy
 * `@pio/core` resolves.
 */
export async function linkDependencies(packageDir: string, repoRoot: string): Promise<void> {
  const json = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const workspace = await workspacePackages(repoRoot);
  const require = createRequire(join(repoRoot, 'packages/core/package.json'));
  for (const [name, range] of Object.entries({ ...json.dependencies, ...json.devDependencies })) {
    const target = range.startsWith('workspace:')
      ? workspace.get(name)
      : dirname(require.resolve(`${name}/package.json`));
    if (!target) throw new Error(`${name} (${range}) is not a package of the workspace at ${repoRoot}`);
    const link = join(packageDir, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(target, link, 'dir');
  }
}
