import type { ComparedFigure, VsLlamaCppReport } from './vs-llamacpp.js';

const number = (value: number, digits = 1) => value.toFixed(digits);
const cell = (figure: ComparedFigure, scale = 1, digits = 1) =>
  `${number(figure.pio.median / scale, digits)} | ${number(figure.llamaCpp.median / scale, digits)} (${figure.llamaThreads}t) | ${number(figure.ratio, 2)}`;

/** The report as a Markdown table: one row per metric, PIO | llama.cpp | ratio columns per shape and pair. */
export function formatVsLlamaCpp(report: VsLlamaCppReport): string {
  const lines: string[] = [
    `PIO (${report.settings.threads} threads) vs llama.cpp (best of ${report.settings.llamaThreads.join(' and ')} threads per metric, shown as "(Nt)"), ${report.settings.rounds} rounds (medians), ${report.settings.decodeTokens} greedy tokens per prompt; read bandwidth ${number(report.readBandwidth / 1e9)} GB/s`,
    `CPU: ${report.machine.cpuModel} (${report.machine.cpus} logical), onnxruntime-node ${report.machine.onnxruntime}`,
    '',
    '| shape | PIO vs llama.cpp | metric | PIO | llama.cpp | PIO ÷ llama.cpp |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const result of report.results) {
    const reads = result.pair.pioReads === 'gguf' ? ` (PIO on the ${result.pair.ggufType} file)` : '';
    const label = `${result.shape} | ${result.pair.pioDtype} vs ${result.pair.ggufType}${reads}`;
    for (const [length, figure] of Object.entries(result.decodeTokensPerSecond))
      lines.push(`| ${label} | decode tok/s at ${length} | ${cell(figure)} |`);
    for (const [length, figure] of Object.entries(result.prefillTokensPerSecond))
      lines.push(`| ${label} | prefill tok/s, ${length} tokens | ${cell(figure, 1, 0)} |`);
    for (const [length, figure] of Object.entries(result.timeToFirstTokenMs))
      lines.push(`| ${label} | time to first token, ${length} tokens (s) | ${cell(figure, 1000, 2)} |`);
    lines.push(`| ${label} | fresh process to first token (s) | ${cell(result.startToFirstTokenMs, 1000, 2)} |`);
    lines.push(`| ${label} | peak RSS (MiB) | ${cell(result.peakRssBytes, 2 ** 20, 0)} |`);
    lines.push(
      `| ${label} | weight bytes (MiB) | ${number(result.weightBytes.pio / 2 ** 20, 0)} | ${number(result.weightBytes.llamaCpp / 2 ** 20, 0)} | ${number(result.weightBytes.pio / result.weightBytes.llamaCpp, 2)} |`,
    );
    if (result.bandwidthShare) {
      lines.push(
        `| ${label} | decode at ${report.settings.contexts[0]} ÷ bandwidth bound | ${number(result.bandwidthShare.pio * 100, 0)}% | ${number(result.bandwidthShare.llamaCpp * 100, 0)}% | |`,
      );
    }
    if (result.firstBuild) {
      const { seconds, peakRssBytes, fileBytes } = result.firstBuild;
      lines.push(
        `| ${label} | first start from the file (build): s, peak RSS MiB, RSS ÷ file | ${number(seconds)} s | ${number(peakRssBytes / 2 ** 20, 0)} MiB | ${number(peakRssBytes / fileBytes, 2)} |`,
      );
    }
    const agreement = result.greedyAgreement.map((g) => (g.equal ? 'all' : String(g.firstDifference))).join(' / ');
    lines.push(
      `| ${label} | greedy tokens identical before the first difference, per prompt | ${agreement} of ${report.settings.decodeTokens} | | |`,
    );
  }
  return lines.join('\n');
}
