import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, pluginPackageJson } from '../../test/helpers/plugin-package-json.js';
import { CheckpointError } from '../errors/checkpoint-error.js';
import { NoPluginForCheckpointError } from '../errors/no-plugin-for-checkpoint-error.js';
import { NotATextModelError } from '../errors/not-a-text-model-error.js';
import { openTextModel } from './open-text-model.js';

// Two plugin packages installed on disk, found by real discovery and imported
// by real activation: a text plugin that echoes its prompt (core knows no
// engine; the CLI, server and ai-sdk suites open real models through this
// same function) and a plugin that is not a text model.
/** The source of a plugin package's entry point; `text: false` leaves out the text model methods. */
function pluginSource(key: string, text: boolean): string {
  const textMethods = `
    tokenize: (text) => [...text].map((c) => c.charCodeAt(0) % 100),
    detokenize: (ids) => ids.map((id) => String.fromCharCode(id)).join(''),
    async generateText(prompt) { return { text: String(prompt), promptIds: [], ids: [], finishReason: 'stop',
      usage: { promptTokens: 0, completionTokens: 0, timeToFirstTokenMs: 0, tokensPerSecond: 0 } }; },
    async *generate(prompt) { yield { type: 'finish', text: String(prompt), finishReason: 'stop',
      usage: { promptTokens: 0, completionTokens: 0, timeToFirstTokenMs: 0, tokensPerSecond: 0 } }; },`;
  return `
export function createPlugin(context) {
  let options;
  return {
    specificationVersion: 'v1',
    metadata: context.metadata,
    get isLoaded() { return options !== undefined; },
    contextLength: 64,
    modelConfig: { maxContextLength: 64, vocabSize: 100 },
    async initialize(given) { options = given; globalThis.${key} = { options, cleanups: 0 }; },
    async loadModel() { throw new Error('not used'); },
    async infer() { throw new Error('not used'); },
    supportsConfig: () => ({ supported: true }),${text ? textMethods : ''}
    async cleanup() { globalThis.${key}.cleanups++; options = undefined; },
    async [Symbol.asyncDispose]() { await this.cleanup(); },
  };
}
`;
}

type Recorded = { options: Record<string, unknown>; cleanups: number };
const recorded = (key: string) => (globalThis as unknown as Record<string, Recorded>)[key]!;

let tmp: string;
let textCheckpoint: string;
let visionCheckpoint: string;

function installPlugin(name: string, architecture: string, source: string): void {
  const dir = join(tmp, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  const packageJson = pluginPackageJson(name, {
    pio: { architectures: [architecture], modelTypes: [architecture.toLowerCase()] },
  });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(packageJson));
  writeFileSync(join(dir, 'index.js'), source);
}

function writeCheckpoint(name: string, architecture: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: [architecture], model_type: 'x' }));
  return dir;
}

beforeAll(() => {
  tmp = makeTempDir('pio-open-text-model-');
  installPlugin('pio-model-echo', 'EchoForCausalLM', pluginSource('__pioOpenTextModel', true));
  installPlugin('pio-model-vision', 'VisionModel', pluginSource('__pioOpenVision', false));
  textCheckpoint = writeCheckpoint('echo', 'EchoForCausalLM');
  visionCheckpoint = writeCheckpoint('vision', 'VisionModel');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('openTextModel', () => {
  it('discovers, finds, activates and reports the plugin with its limits', async () => {
    const onProgress = () => undefined;
    const opened = await openTextModel({
      checkpoint: textCheckpoint,
      roots: [tmp],
      runtime: { dtype: 'int8' },
      cacheDir: join(tmp, 'cache'),
      onProgress,
    });
    expect(opened.pluginName).toBe('pio-model-echo');
    expect(opened.checkpoint).toBe(textCheckpoint);
    expect(opened.contextLength).toBe(64);
    expect(opened.vocabSize).toBe(100);
    expect(opened.loadMs).toBeGreaterThan(0);
    expect((await opened.plugin.generateText('hi')).text).toBe('hi');
    expect(recorded('__pioOpenTextModel').options).toEqual({
      checkpoint: textCheckpoint,
      runtime: { dtype: 'int8' },
      cacheDir: join(tmp, 'cache'),
      onProgress,
    });
    await opened.close();
    await opened[Symbol.asyncDispose]();
    expect(recorded('__pioOpenTextModel').cleanups).toBe(1);
    expect(opened.manager.activePlugins()).toEqual([]);
  });

  it('releases a plugin that is not a text model and says so', async () => {
    const error = await openTextModel({ checkpoint: visionCheckpoint, roots: [tmp] }).catch((e: unknown) => e);
    expect(NotATextModelError.isInstance(error)).toBe(true);
    expect((error as NotATextModelError).pluginName).toBe('pio-model-vision');
    expect((error as Error).message).toContain(visionCheckpoint);
    expect(recorded('__pioOpenVision').cleanups).toBe(1);
  });

  it('refuses a missing checkpoint before discovery, and one no plugin handles', async () => {
    const missing = await openTextModel({ checkpoint: join(tmp, 'nope'), roots: [tmp] }).catch((e: unknown) => e);
    expect(CheckpointError.isInstance(missing)).toBe(true);
    expect((missing as Error).message).toContain('no such folder or file');
    const other = writeCheckpoint('other', 'GPT2LMHeadModel');
    const unknown = await openTextModel({ checkpoint: other, roots: [tmp] }).catch((e: unknown) => e);
    expect(NoPluginForCheckpointError.isInstance(unknown)).toBe(true);
  });
});
