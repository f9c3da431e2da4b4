/** Options every async port method accepts. */
export interface AbortOptions {
  /** Aborts the operation; implementations throw `OfsError('ABORTED')`. */
  signal?: AbortSignal;
}

/** The clock port: used only for ledger timestamps and leases, never inside hashed content. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };
