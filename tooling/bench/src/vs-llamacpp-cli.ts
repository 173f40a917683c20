import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { GgufWeightType } from '@pio/test-kit';
import { formatVsLlamaCpp } from './format-vs-llamacpp.js';
import { parseShapesOrExit } from './parse-shapes.js';
import { benchShapes } from './shapes/bench-shapes.js';
import { benchVsLlamaCpp } from './vs-llamacpp.js';

const { values } = parseArgs({
  options: {
    shapes: {
      type: 'string',
      default: benchShapes
        .filter((shape) => shape.byDefault)
        .map((shape) => shape.name)
        .join(','),
    },
    rounds: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    'llama-threads': { type: 'string', default: '1,2' },
    contexts: { type: 'string', default: '128,512,1536' },
    decode: { type: 'string', default: '32' },
    work: { type: 'string', default: join(tmpdir(), 'pio-bench-vs-llamacpp') },
    out: {
      type: 'string',
      default: join(dirname(fileURLToPath(import.meta.url)), '..', 'benchmarks', 'results', 'vs-llamacpp.json'),
    },
    'pio-gguf': { type: 'boolean', default: false },
    'gguf-types': { type: 'string', default: 'Q4_0' },
    'pio-source': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    `pnpm bench:vs-llamacpp [--shapes ${benchShapes.map((s) => s.name).join(',')}] [--rounds 2] [--threads 2] [--llama-threads 1,2] [--contexts 128,512,1536] [--decode 32] [--pio-gguf] [--gguf-types Q4_0,Q4_K_M] [--pio-source] [--work DIR] [--out FILE]\n  Default shapes: ${values.shapes}; the Qwen3-MoE ones (${benchShapes
      .filter((s) => !s.byDefault)
      .map((s) => s.name)
      .join(
        ', ',
      )}) run when named\n  PIO runs from its built dist/ (the script builds it first) unless --pio-source: TypeScript sources through tsx, ~1 s slower to start`,
  );
  process.exit(0);
}
const ggufTypes = values['gguf-types'].split(',').map((type) => type.trim());
const knownGgufTypes = ['F32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q6_K', 'Q4_K_M'];
for (const type of ggufTypes) {
  if (!knownGgufTypes.includes(type)) {
    console.error(`Unknown --gguf-types entry "${type}". The test kit writes: ${knownGgufTypes.join(', ')}.`);
    process.exit(2);
  }
}
const shapes = parseShapesOrExit(values.shapes, benchShapes);
const report = await benchVsLlamaCpp({
  shapes,
  workDir: values.work,
  rounds: Number(values.rounds),
  threads: Number(values.threads),
  llamaThreads: values['llama-threads'].split(',').map(Number),
  contexts: values.contexts.split(',').map(Number),
  decodeTokens: Number(values.decode),
  pioGguf: values['pio-gguf'],
  ggufTypes: ggufTypes as GgufWeightType[],
  pioFromDist: !values['pio-source'],
  log: (line) => console.error(line),
});
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(formatVsLlamaCpp(report));
console.error(`JSON: ${values.out}`);
