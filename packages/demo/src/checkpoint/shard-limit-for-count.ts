import { RandomCheckpointError } from '../errors/random-checkpoint-error.js';

/**
 * The smallest `maxShardBytes` for which `writeShardedSafetensors` splits
 * tensors of these sizes into exactly `shards` files. It replays the
 * writer's rule (`save_pretrained`'s): tensors in name order, a new shard
 * when the next tensor would overflow the current one, a tensor larger than
 * the limit alone in its own shard.
 *
 * @param tensorBytes - Stored size of each tensor by name.
 * @param shards - The wanted number of files (1 or more).
 * @throws RandomCheckpointError when no limit gives exactly that many shards.
 */
export function shardLimitForCount(tensorBytes: ReadonlyMap<string, number>, shards: number): number {
  const sizes = [...tensorBytes.keys()].sort().map((name) => tensorBytes.get(name)!);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (Number.isInteger(shards) && shards >= 1) {
    // The shard count only falls as the limit rises, so search for the smallest limit giving at most `shards`.
    let low = 1;
    let high = Math.max(total, 1);
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (countShards(sizes, middle) <= shards) high = middle;
      else low = middle + 1;
    }
    if (countShards(sizes, low) === shards) return low;
  }
  throw new RandomCheckpointError({
    where: 'writeRandomCheckpoint.shards',
    message: `cannot split ${sizes.length} tensors into exactly ${shards} shards.`,
    hint: `Ask for an integer from 1 to about ${sizes.length}, or pass { maxShardBytes } instead.`,
  });
}

function countShards(sizes: readonly number[], limit: number): number {
  let count = 0;
  let current = -1;
  for (const size of sizes) {
    if (size > limit) {
      count++;
      current = -1;
    } else if (current < 0 || current + size > limit) {
      count++;
      current = size;
    } else {
      current += size;
    }
  }
  return count;
}
