/**
 * The export conditions this process runs with (`--conditions=X`, `--conditions X`
 * or `-C X` in `process.execArgv`), in order, so that plugins (and worker
 * threads) resolve their entry points as the host itself was resolved.
 *
 * ```ts
 * // node --conditions=@pio/source app.js
 * processConditions(); // ['@pio/source']
 * ```
 */
export function processConditions(execArgv: readonly string[] = process.execArgv): string[] {
  const conditions: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (arg.startsWith('--conditions=')) conditions.push(arg.slice('--conditions='.length));
    else if ((arg === '--conditions' || arg === '-C') && execArgv[i + 1]) conditions.push(execArgv[++i]!);
  }
  return conditions;
}

/**
 * The conditions a host loads plugins with by default: {@link processConditions},
 * then `import` and `default`.
 */
export function defaultLoadConditions(): string[] {
  return [...processConditions(), 'import', 'default'];
}
