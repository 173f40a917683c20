import type { DecoderBenchmarkReport, DtypeSummary } from './benchmark-report.js';

const mib = 1024 * 1024;

/**
 * A plain-text table of a benchmark's headline numbers: one column per
 * dtype, then one per dtype of the baseline when the report has one.
 *
 * @param report - A finished report.
 * @returns Lines joined with `\n`, no trailing newline.
 */
export function formatBenchmarkTable(report: DecoderBenchmarkReport): string {
  const { settings, machine } = report;
  const contexts = settings.contexts.map(String);
  const first = contexts[0];
  const last = contexts.at(-1);
  const rows: [string, (summary: DtypeSummary) => string][] = [
    ['graph build (s)', (s) => s.buildSeconds.toFixed(1)],
    ['cached start, same process (ms)', (s) => s.cachedStartMs.toFixed(0)],
    ['cached start, fresh process (ms)', (s) => s.freshProcessStartMs.toFixed(0)],
    [`prefill ${settings.prefillLength} tokens (tok/s)`, (s) => s.prefillTokensPerSecond.toFixed(0)],
    ['time to first token (ms)', (s) => s.timeToFirstTokenMs.toFixed(0)],
    ...contexts.map((context): [string, (summary: DtypeSummary) => string] => [
      `decode at ${context} (tok/s)`,
      (s) => s.decodeTokensPerSecond[context]?.toFixed(1) ?? '-',
    ]),
    [`step ${last} / step ${first}`, (s) => s.stepRatio.toFixed(2)],
    [`generate ${settings.generateTokens} after the prompt (tok/s)`, (s) => s.generateTokensPerSecond.toFixed(1)],
    ['peak RSS, build (MiB)', (s) => s.peakRssBuildMiB.toFixed(0)],
    ['peak RSS, run (MiB)', (s) => s.peakRssRunMiB.toFixed(0)],
    ['parameters', (s) => s.parameters.toLocaleString('en-US')],
    ['weights in graph (MiB)', (s) => (s.weightBytes / mib).toFixed(0)],
  ];
  const baseline = report.baseline;
  const baselineDtypes = baseline
    ? report.results.map((result) => result.dtype).filter((d) => baseline.byDtype[d])
    : [];
  const baselineCell = (label: string, dtype: (typeof baselineDtypes)[number]): string => {
    const numbers = baseline?.byDtype[dtype];
    if (label.startsWith('prefill')) return numbers?.prefillTokensPerSecond?.toFixed(0) ?? '';
    const context = /^decode at (\d+)/.exec(label)?.[1];
    return context ? (numbers?.decodeTokensPerSecond?.[context]?.toFixed(0) ?? '') : '';
  };

  const header = ['', ...report.results.map((result) => result.dtype), ...baselineDtypes.map((d) => `ref ${d}`)];
  const body = rows.map(([label, cell]) => [
    label,
    ...report.results.map((result) => cell(result.summary)),
    ...baselineDtypes.map((dtype) => baselineCell(label, dtype)),
  ]);
  const table = [header, ...body];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  const lines = table.map((row) =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!))).join('  '),
  );
  const title =
    `${report.title}: ${report.package.name} ${report.package.version}, ${settings.numThreads} threads, ` +
    `Node ${machine.node}, onnxruntime-node ${machine.onnxruntime}, ${machine.cpus} CPUs (${machine.cpuModel})`;
  const percent = (share: number | null) => (share === null ? 'unknown' : `${(share * 100).toFixed(0)}%`);
  const shares = report.results.map(
    (result) => `${result.dtype} ${percent(result.build.otherCpuShare)} / ${percent(result.run.otherCpuShare)}`,
  );
  const contended = report.results.some((result) =>
    [result.build.otherCpuShare, result.run.otherCpuShare].some((share) => share !== null && share > 0.1),
  );
  const notes = [
    `decode: median of ${settings.decodeSteps} timed steps after ${settings.warmupSteps} untimed ones, per cache fill; generate: greedy generateText, mean of every step`,
    `CPU taken by other processes (build / run): ${shares.join(', ')}; 0% on an idle machine`,
    ...(contended
      ? ['warning: other processes shared the CPU, so these numbers are slower than on an idle machine']
      : []),
    ...(baseline ? [`ref: ${baseline.source}`] : []),
    ...(report.checkpoint.tokenizerNote ? [`tokenizer: ${report.checkpoint.tokenizerNote}`] : []),
  ];
  return [title, ...lines, ...notes].join('\n');
}
