/**
 * Hands out names that are unique within one namespace (tensor names, node
 * names): the first request for `base` gets `base`, later ones `base_1`,
 * `base_2`, ... skipping names already taken.
 */
export class NameRegistry {
  private readonly used = new Set<string>();
  private readonly nextSuffix = new Map<string, number>();

  /**
   * A name not yet taken, derived from `base`, and marks it taken.
   *
   * @param base the preferred name
   */
  unique(base: string): string {
    if (!this.used.has(base)) {
      this.used.add(base);
      return base;
    }
    let suffix = this.nextSuffix.get(base) ?? 1;
    while (this.used.has(`${base}_${suffix}`)) suffix++;
    this.nextSuffix.set(base, suffix + 1);
    const name = `${base}_${suffix}`;
    this.used.add(name);
    return name;
  }

  /**
   * Marks an explicitly chosen name as taken, so generated names avoid it.
   * Taking a name twice is not an error here: graph validation reports it.
   *
   * @param name the name
   */
  take(name: string): void {
    this.used.add(name);
  }

  /** True when `name` is taken. */
  has(name: string): boolean {
    return this.used.has(name);
  }
}
