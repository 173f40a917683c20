import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';

/** Who holds a build lock (or owns a temporary build folder): the JSON inside the lock file. */
export interface LockOwner {
  /** Process id of the holder. */
  pid: number;
  /** Host of the holder: a pid means nothing on another machine sharing the cache. */
  hostname: string;
  /** `Date.now()` when it was taken. */
  startedAt: number;
  /** Random, so a holder never mistakes another's lock for its own. */
  token: string;
}

/** The owner record of this process, with a fresh token. */
export function currentOwner(): LockOwner {
  return { pid: process.pid, hostname: hostname(), startedAt: Date.now(), token: randomBytes(8).toString('hex') };
}

/** True when `pid` is a live process on this machine (EPERM: alive, owned by another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** A holder touches its lock file this often, so another machine can tell a live lock from an abandoned one. */
const heartbeatMs = 10 * 1000;
/** A lock of another machine (its pid cannot be checked here) untouched for this long is abandoned. */
const foreignLockMs = 10 * 60 * 1000;
/** When this process started: a lock naming our own pid but older than us was left by an earlier process (pid reuse, containers). */
const processStartedAt = Date.now() - process.uptime() * 1000;
/** A lock file still empty after this long belongs to a process that died between creating and writing it. */
const unwrittenLockMs = 30 * 1000;

/**
 * Whether a lock (or temporary folder) held by `owner` has been abandoned:
 * its process is gone (same host; a lock with our own pid but older than this
 * process counts as gone), or, from another host, it was not touched for
 * `foreignMs` (a live holder touches its lock every 10 s). `undefined`
 * (unreadable) is abandoned once `ageMs` exceeds 30 s.
 *
 * @param ageMs time since the lock file (or folder) was last modified.
 */
export function isAbandoned(owner: LockOwner | undefined, ageMs: number, foreignMs = foreignLockMs): boolean {
  if (!owner) return ageMs > unwrittenLockMs;
  if (owner.hostname !== hostname()) return ageMs > foreignMs;
  if (owner.pid === process.pid) return owner.startedAt < processStartedAt - 1000;
  return !isProcessAlive(owner.pid);
}

/** The owner written in a lock file, or `undefined` when it is gone, empty or not ours to parse. */
export async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string' || typeof parsed.token !== 'string') {
      return undefined;
    }
    return parsed as LockOwner;
  } catch {
    return undefined;
  }
}

/** A held lock; {@link BuildLock.release} removes the file when it is still ours. */
export interface BuildLock {
  /** The lock file. */
  readonly file: string;
  /** Who holds it (this process). */
  readonly owner: LockOwner;
  /** Removes the lock file, unless another process has taken it over meanwhile. */
  release(): Promise<void>;
}

/** What {@link tryLock} found when the lock was taken. */
export type TryLockResult = { lock: BuildLock } | { heldBy: LockOwner | undefined };

/**
 * Takes the lock file `file` when it is free or abandoned (see
 * {@link isAbandoned}), without waiting. An exclusive create (`open(file,
 * 'wx')`) decides between racing processes; an abandoned lock is moved aside
 * with an atomic rename, and put back when it turns out another process took
 * it over first.
 *
 * @throws the file-system error when the lock cannot be created for another reason than EEXIST.
 */
export async function tryLock(file: string): Promise<TryLockResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const owner = currentOwner();
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return { lock: heldLock(file, owner) };
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(file);
    const ageMs = await stat(file).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    if (!isAbandoned(holder, ageMs)) return { heldBy: holder };
    await takeOver(file, holder);
  }
  return { heldBy: await readOwner(file) };
}

/** Moves an abandoned lock aside; when what was moved is not the abandoned lock (someone took over first), restores it. */
async function takeOver(file: string, abandoned: LockOwner | undefined): Promise<void> {
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch {
    return; // gone already: another process took it over
  }
  const moved = await readOwner(aside);
  if (moved && moved.token !== abandoned?.token && isProcessAlive(moved.pid)) {
    // A live lock taken between our read and our rename: hand it back (link fails if yet another exists).
    await link(aside, file).catch(() => {});
  }
  await unlink(aside).catch(() => {});
}

function heldLock(file: string, owner: LockOwner): BuildLock {
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => {});
  }, heartbeatMs);
  heartbeat.unref();
  return {
    file,
    owner,
    async release() {
      clearInterval(heartbeat);
      const current = await readOwner(file);
      if (current?.token === owner.token) await unlink(file).catch(() => {});
    },
  };
}
