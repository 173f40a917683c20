import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomValues, temporaryFolder } from '../test/helpers.js';
import { WeightFileError } from './errors/weight-file-error.js';
import { openCheckpointWeights } from './open-checkpoint-weights.js';
import { SafetensorsFile } from './safetensors-file.js';
import { weightFileAccessError } from './weight-file-access-error.js';
import { type TensorToWrite, writeSafetensors } from './write-safetensors.js';
import { writeShardedSafetensors } from './write-sharded-safetensors.js';

let root: string;
let folders = 0;
beforeAll(async () => {
  root = await temporaryFolder();
});

async function freshFolder(): Promise<string> {
  const dir = join(root, `case-${folders++}`);
  await mkdir(dir);
  return dir;
}

function tensors(count: number): Record<string, TensorToWrite> {
  const out: Record<string, TensorToWrite> = {};
  for (let i = 0; i < count; i++)
    out[`layer.${i}.weight`] = { dtype: 'F32', shape: [16, 8], data: randomValues(128, i + 1) };
  return out;
}

/** What `work` rejects with, checked to be a WeightFileError. */
async function failure(work: Promise<unknown>): Promise<WeightFileError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(WeightFileError.isInstance(error), String(error)).toBe(true);
  return error as WeightFileError;
}

describe('a weight file that cannot be opened', () => {
  it('a model.safetensors that is a symbolic link loop: names the file, says it loops, says what to do', async () => {
    const dir = await freshFolder();
    const file = join(dir, 'model.safetensors');
    await symlink(join(dir, 'other.link'), file);
    await symlink(file, join(dir, 'other.link'));
    for (const open of [
      () => openCheckpointWeights(dir),
      () => SafetensorsFile.open(file),
      () => openCheckpointWeights(file),
    ]) {
      const error = await failure(open());
      expect(error).toMatchObject({ code: 'PIO_WEIGHTS_INVALID', file });
      expect(firstLine(error)).toBe(
        `Invalid weights in ${file}: it is a symbolic link that loops (or goes through more than 40 links) and never reaches a file.`,
      );
      expect(error.hint).toBe(`Replace ${file} with the weight file itself, or make the link point at it.`);
    }
  });

  it('a model.safetensors that is a dangling symbolic link: names the file and where it points', async () => {
    const dir = await freshFolder();
    const file = join(dir, 'model.safetensors');
    const target = join(root, 'blobs', 'gone');
    await symlink(target, file);
    const error = await failure(openCheckpointWeights(dir));
    expect(error.file).toBe(file);
    expect(firstLine(error)).toBe(
      `Invalid weights in ${file}: it is a symbolic link to ${target}, which does not exist.`,
    );
    expect(error.hint).toContain('Point the link at the real weight file');
    // Given as the path to open, too (not "it does not exist": the link is there).
    expect((await failure(openCheckpointWeights(file))).message).toContain(`it is a symbolic link to ${target}`);
  });

  it('a folder named model.safetensors: names it and says to put the file there', async () => {
    const dir = await freshFolder();
    const file = join(dir, 'model.safetensors');
    await mkdir(file);
    const error = await failure(openCheckpointWeights(dir));
    expect(error.file).toBe(file);
    expect(firstLine(error)).toBe(`Invalid weights in ${file}: it is a folder, not a regular file.`);
    expect(error.hint).toBe(
      `Remove or rename ${file} and put the weight file itself there (download it again if needed).`,
    );
  });

  it('a shard the index names that is missing: names the shard and the index', async () => {
    const dir = await freshFolder();
    const { files, indexFile } = await writeShardedSafetensors(dir, tensors(4), { maxShardBytes: 1200 });
    expect(files.length).toBeGreaterThan(1);
    await rm(files[1]!);
    const error = await failure(openCheckpointWeights(dir));
    expect(error.file).toBe(files[1]);
    expect(error.message).toContain(`this shard does not exist, but the index ${indexFile} lists it.`);
    expect(error.hint).toContain('download the missing shard files again');
  });

  it('a shard that is a symbolic link loop or a dangling link: that, not "missing"', async () => {
    const dir = await freshFolder();
    const { files, indexFile } = await writeShardedSafetensors(dir, tensors(4), { maxShardBytes: 1200 });
    await rm(files[0]!);
    await symlink(files[0]!, files[0]!);
    const looping = await failure(openCheckpointWeights(dir));
    expect(looping.file).toBe(files[0]);
    expect(firstLine(looping)).toBe(
      `Invalid weights in ${files[0]}: it is a symbolic link that loops (or goes through more than 40 links) and never reaches a file (the index ${indexFile} lists it as a shard).`,
    );
    await rm(files[0]!);
    await symlink(join(dir, 'nowhere.safetensors'), files[0]!);
    const dangling = await failure(openCheckpointWeights(dir));
    expect(dangling.message).toContain(
      `it is a symbolic link to ${join(dir, 'nowhere.safetensors')}, which does not exist`,
    );
    await rm(files[0]!);
    await mkdir(files[0]!);
    expect((await failure(openCheckpointWeights(dir))).message).toContain('it is a folder, not a regular file');
  });

  it('a checkpoint folder that is a symbolic link loop: says so instead of "it does not exist"', async () => {
    const dir = await freshFolder();
    const link = join(dir, 'checkpoint');
    await symlink(link, link);
    const error = await failure(openCheckpointWeights(link));
    expect(error.message).toContain('it is a symbolic link that loops');
  });

  it('maps permission errors (EACCES, EPERM) to a hint about reading rights', async () => {
    // Root reads any file whatever its mode, so the mapping is checked on the error itself.
    const file = join(root, 'locked.safetensors');
    await writeSafetensors(file, tensors(1));
    for (const code of ['EACCES', 'EPERM']) {
      const cause = Object.assign(new Error(`${code}: permission denied, open '${file}'`), { code });
      const error = await weightFileAccessError(file, cause);
      expect(firstLine(error)).toBe(`Invalid weights in ${file}: permission denied: this user may not read it.`);
      expect(error.hint).toContain(`chmod a+r ${file}`);
      expect(error.cause).toBe(cause);
    }
  });

  it('keeps the operating system message for other errors, with a hint', async () => {
    const cause = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    const error = await weightFileAccessError('/x/model.safetensors', cause);
    expect(firstLine(error)).toBe('Invalid weights in /x/model.safetensors: it cannot be read (EIO: i/o error, read).');
    expect(error.hint).toContain('Check that the disk is readable');
  });

  it('a file that is fine still opens through a symbolic link', async () => {
    const dir = await freshFolder();
    const real = join(root, `real-${folders}.safetensors`);
    await writeSafetensors(real, tensors(1));
    await symlink(real, join(dir, 'model.safetensors'));
    await writeFile(join(dir, 'config.json'), '{}');
    await using store = await openCheckpointWeights(dir);
    expect(store.tensorNames()).toEqual(['layer.0.weight']);
  });
});

/** The message without its hint line. */
function firstLine(error: Error): string {
  return error.message.split('\n')[0]!;
}
