import { defineConfig } from 'vitest/config';

// One root config: each package is a project named after itself.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'models/*/vitest.config.ts', 'tooling/*/vitest.config.ts'],
  },
});
