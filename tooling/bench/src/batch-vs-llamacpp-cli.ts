import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchBatchVsLlamaCpp, formatBatchVsLlamaCpp } from './batch/batch-vs-llamacpp.js';
import { parseShapesOrExit } from './parse-shapes.js';
import { benchShapes } from './shapes/bench-shapes.js';

const { values } = parseArgs({
  options: {
    shapes: { type: 'string', default: 'smollm2-135m,llama-3.2-1b' },
    levels: { type: 'string', default: '1,8,32' },
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    prompt: { type: 'string', default: '16' },
    decode: { type: 'string', default: '64' },
    work: { type: 'string', default: join(tmpdir(), 'pio-bench-vs-llamacpp') },
    out: {
      type: 'string',
      default: join(dirname(fileURLToPath(import.meta.url)), '..', 'benchmarks', 'results', 'batch-vs-llamacpp.json'),
    },
    'pio-dtype': { type: 'string', default: 'int4' },
    'pio-source': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    `pnpm bench:batch-vs-llamacpp [--shapes smollm2-135m,llama-3.2-1b] [--levels 1,8,32] [--rounds 2] [--threads 2] [--prompt 16] [--decode 64] [--pio-dtype int4|int8] [--pio-source] [--work DIR] [--out FILE]\n  Shapes: ${benchShapes
      .filter((shape) => shape.recipe.arch !== 'qwen3_moe')
      .map((shape) => shape.name)
      .join(', ')}`,
  );
  process.exit(0);
}
const shapes = parseShapesOrExit(values.shapes, benchShapes);
const levels = values.levels.split(',').map(Number);
if (levels[0] !== 1 || levels.some((level) => !Number.isInteger(level) || level < 1)) {
  console.error(
    `--levels must be positive integers starting with 1 (speedups are over one sequence), got "${values.levels}".`,
  );
  process.exit(2);
}
const pioDtype = values['pio-dtype'];
if (pioDtype !== 'int4' && pioDtype !== 'int8') {
  console.error(`--pio-dtype must be int4 (against Q4_0) or int8 (against Q8_0), got "${pioDtype}".`);
  process.exit(2);
}
const report = await benchBatchVsLlamaCpp({
  pioDtype,
  shapes,
  workDir: values.work,
  rounds: Number(values.rounds),
  threads: Number(values.threads),
  levels,
  promptTokens: Number(values.prompt),
  decodeTokens: Number(values.decode),
  pioFromDist: !values['pio-source'],
  log: (line) => console.error(line),
});
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(formatBatchVsLlamaCpp(report));
console.error(`JSON: ${values.out}`);
