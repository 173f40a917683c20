import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoModelDir } from './index.js';

describe('demoModelDir', () => {
  it('is the model folder inside the package', () => {
    expect(basename(demoModelDir())).toBe('model');
  });
});
