/**
 * `pnpm --filter @pio/model-qwen3-moe bench:experts`: the candidate designs of
 * a mixture-of-experts layer, timed on the same random int4 weights in the
 * Qwen3-30B-A3B layer shape (hidden 2048, expert width 768, top-8), one
 * decode token, a stack of layers large enough not to fit in the CPU cache:
 *
 * - `if-per-expert` (what PIO builds: `mixtureOfExperts` of `@pio/onnx`):
 *   a float32 router, then one `If` per expert that runs only when a token
 *   chose it;
 * - `all-experts`: every expert computed and weighted (reads experts / top-k
 *   times the bytes);
 * - `floor`: top-k experts computed unconditionally, no router decision: the
 *   cost of the matmuls alone, the bound any design can reach.
 *
 * Each graph is saved with external data and run in its own fresh process,
 * designs alternating, `--rounds` times; a new random token each step, so
 * the routing changes as in real decoding. Writes
 * benchmarks/results/expert-designs.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type DecoderLayerContext,
  type DecoderShapeOptions,
  DecoderWeights,
  GraphBuilder,
  gatedMlpAt,
  mixtureOfExperts,
} from '@pio/onnx';

const hidden = 2048;
const width = 768;
const topK = 8;
const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    shapes: { type: 'string', default: '128x2,16x16' },
    rounds: { type: 'string', default: '3' },
    child: { type: 'string' },
  },
  allowPositionals: true,
});
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const work = join(tmpdir(), 'pio-bench-expert-designs');
const designs = ['if-per-expert', 'all-experts', 'floor'] as const;
type Design = (typeof designs)[number];

if (values.child) {
  // A fresh process per measurement: load the graph, time single-token steps.
  const ort = await import('onnxruntime-node');
  const [path, rows] = [values.child, hidden];
  const before = process.memoryUsage().rss;
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 2 });
  const loadRss = process.memoryUsage().rss - before;
  const feeds = Array.from({ length: 16 }, () => {
    const x = new Float32Array(rows);
    for (let i = 0; i < rows; i++) x[i] = Math.random() - 0.5;
    return { x: new ort.Tensor('float32', x, [1, rows]) };
  });
  for (const feed of feeds) await session.run(feed);
  const times: number[] = [];
  for (let i = 0; i < 64; i++) {
    const started = performance.now();
    await session.run(feeds[i % feeds.length]!);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ medianMs: times[32], loadRssBytes: loadRss }));
  process.exit(0);
}

/** Random weights, generated when read: a checkpoint that exists only as a seed. */
function randomSource(): { has(name: string): boolean; read(name: string): Promise<Float32Array> } {
  let seed = 1;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff - 0.5;
  };
  return {
    has: (name) => !name.endsWith('.bias'),
    read: async (name) => {
      const size = name.includes('mlp.gate.weight')
        ? Number(/experts=(\d+)/.exec(name)?.[1] ?? 0) * hidden
        : name.includes('down_proj')
          ? hidden * width
          : width * hidden;
      const values = new Float32Array(size);
      for (let i = 0; i < size; i++) values[i] = next() * 0.05;
      return values;
    },
  };
}

/** Builds `layers` MoE layers of `experts` experts in `design` and saves them; returns the model path. */
async function build(design: Design, experts: number, layers: number): Promise<string> {
  const dir = join(work, `${design}-${experts}x${layers}`);
  await mkdir(dir, { recursive: true });
  const g = new GraphBuilder({ name: 'moe', externalData: { dir, dataFile: 'moe.onnx_data' } });
  const source = randomSource();
  const weights = new DecoderWeights(
    { has: source.has, read: (name) => source.read(name.replace('mlp.gate.weight', `mlp.gate.weight/experts=${experts}`)) },
    { kind: 'nbits', bits: 4, blockSize: 128, symmetric: true, accuracyLevel: 4 },
  );
  const options = { hiddenSize: hidden } as DecoderShapeOptions;
  let x = g.input('x', 'float32', [1, hidden]);
  for (let layer = 0; layer < layers; layer++) {
    const prefix = `model.layers.${layer}`;
    let y: string;
    if (design === 'if-per-expert') {
      const block = mixtureOfExperts({ numExperts: experts, expertWidth: width, topK, normalizeTopK: true });
      const context: DecoderLayerContext = { g, weights, options, io: undefined as never, layer, prefix };
      y = await block(context, x);
    } else {
      // The router and its top-k weights as PIO computes them, then experts without a decision.
      const count = design === 'floor' ? topK : experts;
      let sum: string | undefined;
      for (let expert = 0; expert < count; expert++) {
        const out = await gatedMlpAt(g, weights, x, `${prefix}.mlp.experts.${expert}`, {
          hiddenSize: hidden,
          intermediateSize: width,
        });
        sum = sum ? g.add(sum, out) : out;
      }
      y = g.mul(sum!, g.constant(new Float32Array([1 / topK]), []));
    }
    x = g.add(x, y);
  }
  g.output('y', 'float32', [1, hidden], x);
  await g.save(dir, { modelFile: 'moe.onnx', externalData: true });
  return join(dir, 'moe.onnx');
}

const shapes = values.shapes.split(',').map((shape) => shape.split('x').map(Number) as [number, number]);
const rounds = Number(values.rounds);
const results: Record<string, unknown>[] = [];
for (const [experts, layers] of shapes) {
  const models = new Map<Design, string>();
  for (const design of designs) models.set(design, await build(design, experts, layers));
  const perDesign = new Map<Design, { ms: number[]; rss: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const design of designs) {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', models.get(design)!], {
        encoding: 'utf8',
      });
      const { medianMs, loadRssBytes } = JSON.parse(out) as { medianMs: number; loadRssBytes: number };
      const entry = perDesign.get(design) ?? { ms: [], rss: [] };
      entry.ms.push(medianMs / layers);
      entry.rss.push(loadRssBytes);
      perDesign.set(design, entry);
    }
  }
  const floor = Math.min(...perDesign.get('floor')!.ms);
  for (const design of designs) {
    const { ms, rss } = perDesign.get(design)!;
    const best = Math.min(...ms);
    const row = {
      experts,
      layers,
      design,
      msPerLayer: +best.toFixed(3),
      msPerLayerAllRounds: ms.map((value) => +value.toFixed(3)),
      overFloor: +(best / floor).toFixed(2),
      loadRssMiB: Math.round(Math.min(...rss) / 2 ** 20),
    };
    results.push(row);
    process.stdout.write(`${experts} experts × ${layers} layers  ${design.padEnd(14)} ${row.msPerLayer} ms/layer (${row.overFloor}× floor), load RSS ${row.loadRssMiB} MiB\n`);
  }
}
await mkdir(join(packageDir, 'benchmarks', 'results'), { recursive: true });
await writeFile(
  join(packageDir, 'benchmarks', 'results', 'expert-designs.json'),
  `${JSON.stringify({ date: new Date().toISOString(), command: 'pnpm --filter @pio/model-qwen3-moe bench:experts', results }, null, 2)}\n`,
);
