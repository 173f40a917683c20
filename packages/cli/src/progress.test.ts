import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay, formatMs, phaseLabel } from './progress.js';
import { captureIo } from './testing/capture-io.js';

describe('createProgressDisplay', () => {
  it('prints one line per finished phase when stderr is not a terminal', () => {
    const io = captureIo(process.cwd());
    const progress = createProgressDisplay(io);
    for (let layer = 1; layer <= 4; layer++) progress.onProgress({ phase: 'build-graph', completed: layer, total: 4, unit: 'layers' });
    progress.onProgress({ phase: 'create-session', completed: 0, total: 1 });
    progress.onProgress({ phase: 'create-session', completed: 1, total: 1 });
    progress.stop();
    expect(io.stderr).toMatch(/^Building the graph \(4 layers\): \d+ ms\nCreating the onnxruntime session: \d+ ms\n$/);
    expect([...progress.phases.keys()]).toEqual(['build-graph', 'create-session']);
    expect(progress.phases.get('build-graph')?.finished).toBe(true);
  });

  it('draws a cli-progress bar on a terminal, and records phases silently when quiet', () => {
    let drawn = '';
    const terminal = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          drawn += chunk.toString();
          done();
        },
      }),
      { isTTY: true, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true },
    );
    const io = Object.assign(captureIo(process.cwd()), { errStream: terminal });
    const progress = createProgressDisplay(io, { lines: false });
    progress.onProgress({ phase: 'build-graph', completed: 1, total: 4, unit: 'layers' });
    progress.onProgress({ phase: 'build-graph', completed: 4, total: 4, unit: 'layers' });
    progress.stop();
    expect(drawn).toContain('Building the graph [');
    expect(io.stderr).toBe('');

    const quietIo = captureIo(process.cwd());
    const quiet = createProgressDisplay(quietIo, { quiet: true });
    quiet.onProgress({ phase: 'create-session', completed: 1, total: 1 });
    expect(quietIo.stderr).toBe('');
    expect(quiet.phases.get('create-session')?.finished).toBe(true);
  });

  it('prints a notice event (a damaged build being rebuilt) as its message on one line, and not when quiet', () => {
    const io = captureIo(process.cwd());
    const progress = createProgressDisplay(io);
    const notice = {
      phase: 'notice',
      completed: 1,
      total: 1,
      message: 'Rebuilding the cached build /c/builds/k: decoder.onnx is missing',
    };
    progress.onProgress(notice);
    expect(io.stderr).toBe('Rebuilding the cached build /c/builds/k: decoder.onnx is missing\n');
    expect([...progress.phases.keys()]).toEqual([]);
    const quiet = captureIo(process.cwd());
    createProgressDisplay(quiet, { quiet: true }).onProgress(notice);
    expect(quiet.stderr).toBe('');
  });

  it('names phases and durations for people', () => {
    expect(phaseLabel('read-weights')).toBe('Reading the weights');
    expect(phaseLabel('quantize-weights')).toBe('Quantize weights');
    expect(formatMs(850.4)).toBe('850 ms');
    expect(formatMs(1250)).toBe('1.3 s');
  });
});
