/**
 * Milliseconds a `Retry-After` header asks to wait: delay-seconds (`"2"`,
 * `"0.5"`) or an HTTP date (`"Wed, 21 Oct 2026 07:28:00 GMT"`, counted from
 * `now`, at least 0). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry number `attempt` (0-based) when the server gives no `Retry-After`: 0.5 s, 1 s, 2 s, … */
export function backoffMs(attempt: number): number {
  return 500 * 2 ** attempt;
}
