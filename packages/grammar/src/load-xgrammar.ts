import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import type * as XGrammar from '@mlc-ai/web-xgrammar';

/** The module `@mlc-ai/web-xgrammar` exports. */
export type XGrammarModule = typeof XGrammar;

let loaded: XGrammarModule | undefined;

/**
 * Loads XGrammar's WASM build once per process. Its package.json says
 * `"type": "module"` but `lib/index.js` is a UMD bundle (it reads `exports`
 * and `__filename`), so neither `import` nor `require` can load it as it is;
 * it is compiled here as the CommonJS module it is, with Node's own module
 * wrapper (no file is written, no experimental flag needed).
 */
export function loadXGrammar(): XGrammarModule {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@mlc-ai/web-xgrammar');
  const module = new Module(file);
  module.filename = file;
  // `_nodeModulePaths` and `_compile` are what `require` itself runs for a .cjs file.
  const internals = Module as unknown as { _nodeModulePaths(from: string): string[] };
  module.paths = internals._nodeModulePaths(file);
  (module as unknown as { _compile(code: string, filename: string): void })._compile(readFileSync(file, 'utf8'), file);
  loaded = module.exports as XGrammarModule;
  return loaded;
}
