import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The folder where PIO keeps what it builds and downloads: `$PIO_CACHE_DIR`,
 * else `$XDG_CACHE_HOME/pio`, else `~/.cache/pio`.
 */
export function defaultCacheDir(): string {
  if (process.env.PIO_CACHE_DIR) return process.env.PIO_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pio');
}
