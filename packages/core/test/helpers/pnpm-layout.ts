import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Files of a package: path inside the package to contents; objects are written as JSON. */
export type PackageFiles = Record<string, string | Record<string, unknown>>;

/** Writes `files` into `dir`, creating folders as needed. */
export function writeFiles(dir: string, files: PackageFiles): void {
  for (const [path, contents] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, typeof contents === 'string' ? contents : `${JSON.stringify(contents, null, 2)}\n`);
  }
}

/** pnpm's store folder name for a package: `@scope/name@1.0.0` becomes `@scope+name@1.0.0`. */
export function storeFolderName(name: string, version: string): string {
  return `${name.replace('/', '+')}@${version}`;
}

/**
 * Puts a package into `nodeModulesDir` the way pnpm does: the real folder at
 * `.pnpm/<name>@<version>/node_modules/<name>`, and unless `link` is false a
 * relative symlink `nodeModulesDir/<name>` (or `<linkName>`) pointing at it.
 *
 * @returns The real package folder.
 */
export function addPnpmPackage(
  nodeModulesDir: string,
  name: string,
  version: string,
  files: PackageFiles,
  options: { link?: boolean; linkName?: string } = {},
): string {
  const realDir = join(nodeModulesDir, '.pnpm', storeFolderName(name, version), 'node_modules', name);
  writeFiles(realDir, files);
  if (options.link !== false) linkPackage(nodeModulesDir, options.linkName ?? name, realDir);
  return realDir;
}

/** A relative directory symlink `nodeModulesDir/<name>` to `target`, as pnpm makes them. */
export function linkPackage(nodeModulesDir: string, name: string, target: string): void {
  const link = join(nodeModulesDir, name);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), target), link, 'dir');
}
