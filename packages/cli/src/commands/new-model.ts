import type { CliIo } from '../io.js';

/**
 * `pio new model <name>`: generates `@pio/model-<name>` with the model
 * generator of `@pio/create-model`.
 *
 * @returns the exit code.
 */
export async function newModelCommand(
  io: CliIo,
  name: string,
  options: Record<string, string | boolean | undefined>,
): Promise<number> {
  const str = (key: string) => (typeof options[key] === 'string' ? (options[key] as string) : undefined);
  const modelType = str('modelType');
  const architecture = str('architecture');
  const family = str('family');
  const dir = str('dir');
  // Loaded on use: the generator and its templates are not needed to run models.
  const { generateModelPackage } = await import('@pio/create-model');
  const result = await generateModelPackage({
    name,
    cwd: io.cwd,
    ...(dir ? { targetDir: dir } : {}),
    ...(modelType ? { modelTypes: [modelType] } : {}),
    ...(architecture ? { architectures: [architecture] } : {}),
    ...(family ? { family } : {}),
    force: options.force === true,
  });
  io.out(`Created ${result.packageName} in ${result.dir}\n`);
  io.out('Next: fill in src/plugin.ts and src/config.ts, then run its tests (see docs/model-authors.md).\n');
  return 0;
}
