import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * The value names a TypeScript module exports, read from its text without
 * running it: `export function|const|let|var|class`, `export { a, b as c }`
 * (with or without `from`), `export * as ns`, and `export * from './x.js'`
 * followed into relative files. Type-only exports are left out. Unreadable
 * files give no names.
 *
 * @param file - Absolute path of a `.ts` module.
 */
export async function findExportedNames(file: string): Promise<Set<string>> {
  const names = new Set<string>();
  await collect(file, names, new Set());
  return names;
}

async function collect(file: string, names: Set<string>, visited: Set<string>): Promise<void> {
  if (visited.has(file)) return;
  visited.add(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  const code = stripComments(text);
  for (const match of code.matchAll(
    /\bexport\s+(?:declare\s+)?(?:async\s+)?(?:function\s*\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)/g,
  )) {
    names.add(match[1]!);
  }
  for (const match of code.matchAll(/\bexport\s+(type\s+)?\{([^}]*)\}/g)) {
    if (match[1]) continue;
    for (const part of match[2]!.split(',')) {
      const spec = part.trim();
      if (spec === '' || /^type\s/.test(spec)) continue;
      const alias = spec
        .split(/\s+as\s+/)
        .at(-1)!
        .trim();
      if (/^[A-Za-z_$][\w$]*$/.test(alias)) names.add(alias);
    }
  }
  for (const match of code.matchAll(/\bexport\s+\*\s+as\s+([A-Za-z_$][\w$]*)/g)) names.add(match[1]!);
  for (const match of code.matchAll(/\bexport\s+\*\s+from\s+['"](\.[^'"]+)['"]/g)) {
    for (const candidate of sourceCandidates(join(dirname(file), match[1]!))) {
      await collect(candidate, names, visited);
    }
  }
}

/** TypeScript sources a relative specifier may mean (`./x.js` is written for `./x.ts`). */
function sourceCandidates(path: string): string[] {
  if (/\.[cm]?js$/.test(path)) return [path.replace(/\.([cm]?)js$/, '.$1ts')];
  if (/\.[cm]?ts$/.test(path)) return [path];
  return [`${path}.ts`, join(path, 'index.ts')];
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}
