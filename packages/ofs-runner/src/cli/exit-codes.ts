import { isOfsError } from '@ofs/contracts';

/**
 * Exit codes of the `ofs` CLI. Scripts branch on these, never on the printed text.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success (run DONE, verify identical, …) |
 * | 1 | the command ran and the outcome is a failure: a run ended `FAILED`, `verify` found a difference |
 * | 2 | usage: unknown command or option, missing argument |
 * | 3 | input or configuration invalid: a non-retryable `OfsError` (the printed code says which) |
 * | 4 | a dependency was unavailable (retryable `OfsError`): try again later |
 * | 5 | not finished: the run is `QUEUED`, `RUNNING` (another worker is building it) or `PUBLISH_PENDING` (retry later or run a worker) |
 * | 6 | the embedded corridor directory is locked by another process (`CORRIDOR_LOCKED`, its pid printed): wait for it to exit |
 * | 70 | internal error: a bug; the message carries the cause |
 * | 130 | interrupted (SIGINT/SIGTERM); a claimed run's lease was released |
 */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  INPUT: 3,
  UNAVAILABLE: 4,
  PENDING: 5,
  LOCKED: 6,
  INTERNAL: 70,
  INTERRUPTED: 130,
} as const;

/** One of the CLI's exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an error that escaped a command. */
export function exitCodeOf(error: unknown): ExitCode {
  if (isOfsError(error)) {
    if (error.code === 'ABORTED') return EXIT.INTERRUPTED;
    if (error.code === 'INTERNAL_ERROR') return EXIT.INTERNAL;
    if (error.code === 'CORRIDOR_LOCKED') return EXIT.LOCKED;
    if (error.code === 'RUN_LEASE_HELD') return EXIT.PENDING;
    return error.retryable ? EXIT.UNAVAILABLE : EXIT.INPUT;
  }
  return EXIT.INTERNAL;
}
