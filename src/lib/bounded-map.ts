/**
 * A Map that forgets its oldest entries past `max`: isolate-local counters (rate limits,
 * auth-failure cool-downs) stay bounded in memory under a flood of distinct keys.
 */
export class BoundedMap<V> extends Map<string, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(key: string, value: V): this {
    this.delete(key); // re-insert: most recent last
    super.set(key, value);
    if (this.size > this.max) this.delete(this.keys().next().value!);
    return this;
  }
}
