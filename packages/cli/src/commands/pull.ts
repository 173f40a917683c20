import { DownloadError, type PullProgress, type PullResult, pullModel } from '@pio/hub';
import cliProgress from 'cli-progress';
import { formatBytes } from '../format-bytes.js';
import type { CliIo } from '../io.js';

/** Options of `pio pull`, as commander parses them. */
export interface PullCommandOptions {
  /** Branch, tag or commit sha (default `main`). */
  revision?: string;
  /** ONNX variant for an onnx-only repository (fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4). */
  dtype?: string;
  /** GGUF quantization of a GGUF repository (Q4_K_M by default when there are several). */
  quant?: string;
  /** The PIO cache folder (default `$PIO_CACHE_DIR` or `~/.cache/pio`). */
  cacheDir?: string;
  /** Access token (default `$HF_TOKEN`). */
  token?: string;
  /** Hub URL (default `$HF_ENDPOINT` or https://huggingface.co). */
  endpoint?: string;
  /** Seconds a request may wait for the hub's answer, and then for each chunk of it (default `$HF_HUB_DOWNLOAD_TIMEOUT` or 30). */
  timeout?: string;
  /** Globs of more files to download. */
  include?: string[];
  /** Globs of files to leave out. */
  exclude?: string[];
  /** Print one JSON object. */
  json?: boolean;
}

/**
 * `pio pull <owner/name>`: downloads the files a model needs from the hub
 * into the PIO cache (resumable, verified) and prints the snapshot folder;
 * afterwards `pio run owner/name` finds it. Progress goes to stderr: bars on
 * a terminal, one line per file otherwise. Files the hub listed without a
 * hash are named in a warning (they are recorded with `verified: false`).
 *
 * @returns the exit code.
 * @throws DownloadError (`usage`) for a bad `--timeout` or `--revision`, before any request.
 */
export async function pullCommand(io: CliIo, repo: string, options: PullCommandOptions): Promise<number> {
  const timeoutMs = options.timeout === undefined ? undefined : parseTimeout(options.timeout);
  const display = options.json ? undefined : createPullDisplay(io, repo);
  let result: PullResult;
  try {
    result = await pullModel(repo, {
      ...(options.revision ? { revision: options.revision } : {}),
      ...(options.dtype ? { dtype: options.dtype } : {}),
      ...(options.quant ? { quant: options.quant } : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.token ? { token: options.token } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(options.include?.length ? { include: options.include } : {}),
      ...(options.exclude?.length ? { exclude: options.exclude } : {}),
      ...(display ? { onProgress: display.onProgress } : {}),
    });
  } finally {
    display?.stop();
  }
  const unverified = result.files.filter((file) => !file.verified).map((file) => file.path);
  if (unverified.length > 0 && !options.json) {
    io.err(
      `Warning: the hub listed no hash for ${unverified.join(', ')}; ${unverified.length === 1 ? 'it was' : 'they were'} ` +
        'downloaded unverified ("verified": false in .pio-snapshot.json).\n',
    );
  }
  if (options.json) {
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const downloaded = result.files.filter((file) => file.downloaded).length;
  io.err(
    `Pulled ${result.repo}@${result.revision} (commit ${result.commit.slice(0, 12)}, ${result.format}${result.dtype ? ` ${result.dtype}` : ''}${result.quant ? ` ${result.quant}` : ''}): ` +
      `${result.files.length} files, ${formatBytes(result.totalBytes)}; ${downloaded} downloaded (${formatBytes(result.downloadedBytes)}).\n` +
      // A bare id runs what `main` points at (else the newest pull); another revision runs by its folder.
      `Run it: pio run ${result.revision === 'main' ? result.repo : result.dir} "Hello"\n`,
  );
  io.out(`${result.dir}\n`);
  return 0;
}

/** `--timeout` in seconds, as milliseconds. */
function parseTimeout(text: string): number {
  const seconds = Number(text);
  if (text.trim() !== '' && Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  throw new DownloadError({
    reason: 'usage',
    message: `--timeout ${JSON.stringify(text)} is not a number of seconds above zero`,
    hint: 'Give the seconds a request may wait for the hub, for example --timeout 60 (default 30).',
  });
}

interface PullDisplay {
  onProgress(event: PullProgress): void;
  stop(): void;
}

/** Bars (`cli-progress`: the total and one per file being downloaded) on a terminal, else a line per finished file. */
function createPullDisplay(io: CliIo, repo: string): PullDisplay {
  const stream = io.errStream?.isTTY ? io.errStream : undefined;
  if (!stream) {
    return {
      onProgress(event) {
        if (event.type === 'listed') {
          io.err(`Pulling ${repo}: ${event.filesTotal} files, ${formatBytes(event.totalBytes)}\n`);
        } else if (event.type === 'file-done') {
          io.err(`  [${event.filesDone}/${event.filesTotal}] ${event.file} ${formatBytes(event.fileBytes)}\n`);
        }
      },
      stop() {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream: stream as NodeJS.WritableStream & { isTTY: true },
      format: '{name} [{bar}] {percentage}% {done}/{size}',
      hideCursor: true,
      clearOnComplete: true,
      autopadding: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let total: cliProgress.SingleBar | undefined;
  const files = new Map<string, cliProgress.SingleBar>();
  const sizes = (done: number, size: number) => ({ done: formatBytes(done), size: formatBytes(size) });
  return {
    onProgress(event) {
      if (event.type === 'listed') {
        total = bars.create(Math.max(event.totalBytes, 1), event.bytes, {
          name: `${repo} (${event.filesTotal} files)`,
          ...sizes(event.bytes, event.totalBytes),
        });
        return;
      }
      total?.update(event.bytes, sizes(event.bytes, event.totalBytes));
      const file = event.file!;
      if (event.type === 'file-start') {
        const size = event.fileTotal ?? 0;
        files.set(file, bars.create(Math.max(size, 1), 0, { name: `  ${file}`, ...sizes(0, size) }));
      } else if (event.type === 'file-progress') {
        files.get(file)?.update(Math.max(event.fileBytes, 0), sizes(event.fileBytes, event.fileTotal ?? 0));
      } else if (event.type === 'file-done') {
        const bar = files.get(file);
        if (bar) {
          bars.remove(bar);
          files.delete(file);
        }
      }
    },
    stop() {
      bars.stop();
    },
  };
}
