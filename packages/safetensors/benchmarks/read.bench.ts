/**
 * Read throughput of @pio/safetensors on ~200 MB F32, BF16 and F16 files,
 * next to two baselines over the same bytes: `fs.readFile` of the whole file,
 * and one positioned read() per tensor straight into a fresh buffer (what a
 * naive reader does). Writes benchmarks/results/read.json.
 *
 *   pnpm --filter @pio/safetensors bench
 *
 * The files are read from the page cache (they were just written), so this
 * measures the reader's own cost, not the disk: a reader at least as fast as
 * the baselines here is disk-bound on a cold cache. The variants run in
 * turns, round after round, so background load hits them alike.
 */
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bfloat16ToFloat32,
  type FloatDtype,
  float16ToFloat32,
  float32ToBfloat16,
  float32ToFloat16,
  SafetensorsFile,
  type TensorToWrite,
  writeSafetensors,
} from '../src/index.js';

const rows = 4096;
const columns = 1024; // 4 Mi elements per tensor
const rounds = 7;
const MB = 1e6;

interface Rate {
  bestMBps: number;
  medianMBps: number;
  medianMs: number;
}

function checkpoint(dtype: FloatDtype, count: number): Record<string, TensorToWrite> {
  const data = new Float32Array(rows * columns);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 0.02;
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `model.layers.${i}.mlp.up_proj.weight`,
      { dtype, shape: [rows, columns], data },
    ]),
  );
}

/** Runs every variant once per round, in turns; rates are in MB/s of `bytes`. */
async function race<Name extends string>(
  bytes: number,
  variants: Record<Name, () => Promise<unknown>>,
): Promise<Record<Name, Rate>> {
  const names = Object.keys(variants) as Name[];
  const seconds = new Map<Name, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const start = performance.now();
      await variants[name]();
      seconds.get(name)!.push((performance.now() - start) / 1000);
    }
  }
  const rates = {} as Record<Name, Rate>;
  for (const [name, times] of seconds) {
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    rates[name] = {
      bestMBps: Math.round(bytes / MB / times[0]!),
      medianMBps: Math.round(bytes / MB / median),
      medianMs: Math.round(median * 1000),
    };
  }
  return rates;
}

async function benchFile(dir: string, dtype: FloatDtype, count: number) {
  const path = join(dir, `${dtype}.safetensors`);
  const fileBytes = await writeSafetensors(path, checkpoint(dtype, count), { format: 'pt' });
  const file = await SafetensorsFile.open(path);
  const handle = await open(path, 'r');
  const names = file.tensorNames();
  const tensorBytes = file.info(names[0]!).byteLength;
  const dataStart = file.bytesRead;
  try {
    const rates = await race(fileBytes, {
      fsReadFile: () => readFile(path),
      onePreadPerTensor: async () => {
        for (let i = 0; i < names.length; i++) {
          await handle.read(new Uint8Array(tensorBytes), 0, tensorBytes, dataStart + i * tensorBytes);
        }
      },
      readRaw: async () => {
        for (const name of names) await file.readRaw(name);
      },
      read: async () => {
        for (const name of names) await file.read(name);
      },
    });
    return {
      dtype,
      tensors: count,
      fileMB: +(fileBytes / MB).toFixed(1),
      float32MB: +((count * rows * columns * 4) / MB).toFixed(1),
      ...rates,
      readVsFsReadFile: +(rates.read.medianMBps / rates.fsReadFile.medianMBps).toFixed(2),
    };
  } finally {
    await handle.close();
    await file.close();
  }
}

async function benchConversions() {
  const count = 16 * 1024 * 1024;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = Math.sin(i) * 100;
  const out = new Float32Array(count);
  const bf16 = float32ToBfloat16(values);
  const f16 = float32ToFloat16(values);
  const halves = new Uint16Array(count);
  // Million elements per second, on memory already touched.
  const rates = await race(count * MB, {
    bfloat16ToFloat32: async () => bfloat16ToFloat32(bf16, out),
    float16ToFloat32: async () => float16ToFloat32(f16, out),
    float32ToBfloat16: async () => float32ToBfloat16(values, halves),
    float32ToFloat16: async () => float32ToFloat16(values, halves),
  });
  return Object.fromEntries(
    Object.entries(rates).map(([name, rate]) => [
      name,
      {
        bestMillionPerSecond: Math.round(rate.bestMBps / MB),
        medianMillionPerSecond: Math.round(rate.medianMBps / MB),
      },
    ]),
  );
}

const dir = await mkdtemp(join(tmpdir(), 'pio-safetensors-bench-'));
try {
  const files = [await benchFile(dir, 'F32', 12), await benchFile(dir, 'BF16', 24), await benchFile(dir, 'F16', 24)];
  const conversions = await benchConversions();
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    cache: 'warm (page cache)',
    rounds,
    unit: 'MB/s of file bytes (1 MB = 1e6 bytes)',
    files,
    conversions,
  };
  const resultsDir = new URL('./results/', import.meta.url);
  await mkdir(resultsDir, { recursive: true });
  await writeFile(new URL('read.json', resultsDir), `${JSON.stringify(result, null, 2)}\n`);
  for (const f of files) {
    console.log(
      `${f.dtype.padEnd(4)} ${f.fileMB} MB -> ${f.float32MB} MB float32, median MB/s: read ${f.read.medianMBps}, readRaw ${f.readRaw.medianMBps}, one pread per tensor ${f.onePreadPerTensor.medianMBps}, fs.readFile ${f.fsReadFile.medianMBps}`,
    );
  }
  console.log(
    'conversions, million elements/s (median):',
    Object.entries(conversions)
      .map(([k, v]) => `${k} ${v.medianMillionPerSecond}`)
      .join(', '),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
