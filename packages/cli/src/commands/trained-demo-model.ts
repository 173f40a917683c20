import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The trained demo model, when `@pio/demo-model` is installed. */
export interface TrainedDemoModel {
  /** Its checkpoint folder (inside the installed package). */
  dir: string;
  /** Its size in parameters. */
  parameters: number;
  /** What it was trained on, in words. */
  data: string;
}

/**
 * Finds the trained demo model: `@pio/demo-model` (a dependency of the CLI,
 * so present in any normal install). Undefined when the package or its
 * model files are missing, so `pio demo` falls back to random weights.
 */
export async function findTrainedDemoModel(): Promise<TrainedDemoModel | undefined> {
  let demoModel: typeof import('@pio/demo-model');
  try {
    demoModel = await import('@pio/demo-model');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  const dir = demoModel.demoModelDir();
  if (!existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'training.json'))) return undefined;
  const training = demoModel.demoModelTraining();
  return { dir, parameters: training.parameters, data: 'the King James Bible' };
}
