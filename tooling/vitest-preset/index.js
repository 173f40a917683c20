import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig } from 'vitest/config';

// Sibling packages are read from src/ through this export condition, so tests
// never need a build first.
const conditions = ['@pio/source', 'module', 'node', 'development|production'];

/**
 * A vitest project for the package whose `vitest.config.ts` calls this with
 * `import.meta.url`. The project is named after the package, so both
 * `turbo test --filter <name>` and the root `vitest --project <name>` work.
 *
 * @param {string} configUrl `import.meta.url` of the calling config file
 * @param {import('vitest/config').UserWorkspaceConfig} [overrides]
 */
export function definePioProject(configUrl, overrides = {}) {
  const root = dirname(fileURLToPath(configUrl));
  const { name } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const base = defineProject({
    root,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@pio/source'] } },
    test: {
      name,
      root,
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // Node's own resolution in test workers (dynamic imports of plugin entry
      // points) then also reads workspace packages from src/.
      execArgv: ['--conditions=@pio/source'],
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  });
  return mergeConfig(base, overrides);
}
