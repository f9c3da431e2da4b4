/**
 * `observed − effective` in milliseconds, from instants as (epoch ms, nanoseconds below the ms):
 * the whole milliseconds plus the sub-millisecond difference as a fraction. Zero iff the instants
 * are equal; negative iff the assertion was observed before it took effect.
 */
export function delayMs(effectiveMs: number, effectiveNs: number, observedMs: number, observedNs: number): number {
  return observedMs - effectiveMs + (observedNs - effectiveNs) / 1e6;
}
