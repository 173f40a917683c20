import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the demo model: a Hugging Face checkpoint (`config.json`,
 * `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`,
 * `generation_config.json`) that any PIO host opens like a downloaded one,
 * plus `held-out.txt` (the chapters it never saw) and `training.json` (how it
 * was trained). Read-only: it lives inside the installed package.
 */
export function demoModelDir(): string {
  // src/ and dist/ are both one level below the package root.
  return fileURLToPath(new URL('../model', import.meta.url));
}

/** The held-out text (48 chapters of the King James Bible the model was not trained on), for perplexity checks. */
export function demoModelHeldOutText(): string {
  return readFileSync(fileURLToPath(new URL('../model/held-out.txt', import.meta.url)), 'utf8');
}

/** What `training.json` records about the training run. */
export interface DemoModelTraining {
  /** Where the text came from. */
  data: string;
  /** Parameters of the model. */
  parameters: number;
  /** Tokens of the training split and of the held-out split. */
  train_tokens: number;
  held_out_tokens: number;
  /** Optimizer steps, batch (sequences) and context (tokens) of each. */
  steps: number;
  batch: number;
  context: number;
  /** Wall-clock minutes of the training loop. */
  train_minutes: number;
  /** Loss on held-out windows at each evaluation. */
  history: { step: number; minutes: number; train_loss: number; held_out_loss: number }[];
}

/** The training record of the shipped weights (`model/training.json`). */
export function demoModelTraining(): DemoModelTraining {
  return JSON.parse(readFileSync(fileURLToPath(new URL('../model/training.json', import.meta.url)), 'utf8')) as DemoModelTraining;
}
