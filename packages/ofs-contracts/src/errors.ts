import { OFS_ERROR_CATALOGUE, type OfsErrorCode } from './catalogue.js';

/** One validation problem, reported as data. */
export interface Problem {
  /** JSON pointer–like path of the offending field, e.g. `/replay_basis/0/start_offset`. */
  readonly path: string;
  /** Catalogue code for this problem. */
  readonly code: OfsErrorCode;
  /** Human-readable explanation. */
  readonly message: string;
}

/** Options of `new OfsError`. */
export interface OfsErrorOptions {
  /** Human-readable message; defaults to the catalogue meaning. */
  message?: string;
  /** Structured details (ids, counts, problems). Must be JSON-serialisable. */
  details?: Record<string, unknown>;
  /** The underlying error, if any. */
  cause?: unknown;
  /** Overrides the catalogue's retryability (rarely needed). */
  retryable?: boolean;
}

/**
 * The one error type of the corridor. `code` is stable and from the closed catalogue;
 * `retryable` says whether the same call may succeed later.
 */
export class OfsError extends Error {
  /** Stable catalogue code. */
  readonly code: OfsErrorCode;
  /** Whether a retry may succeed (dependency failures) or not (input and invariant failures). */
  readonly retryable: boolean;
  /** Structured details; for validation errors `details.problems` lists every problem. */
  readonly details: Record<string, unknown>;

  constructor(code: OfsErrorCode, options: OfsErrorOptions = {}) {
    const info = OFS_ERROR_CATALOGUE[code];
    super(options.message ?? info.meaning, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OfsError';
    this.code = code;
    this.retryable = options.retryable ?? info.retryable;
    this.details = options.details ?? {};
  }

  /** `CODE: message`, the shape the CLI prints. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }

  /** A JSON-safe view for logs and receipts. */
  toJSON(): { code: OfsErrorCode; message: string; retryable: boolean; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

/** `true` when `value` is an `OfsError` (optionally with the given code). Works across realms and copies of the package. */
export function isOfsError(value: unknown, code?: OfsErrorCode): value is OfsError {
  if (value instanceof OfsError) return code === undefined || value.code === code;
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { name?: unknown; code?: unknown; retryable?: unknown };
  if (v.name !== 'OfsError' || typeof v.code !== 'string' || typeof v.retryable !== 'boolean') return false;
  return code === undefined || v.code === code;
}

/** Throws one `OfsError` carrying every problem; its code is the first problem's code. No-op when empty. */
export function throwProblems(problems: readonly Problem[], what: string): void {
  const first = problems[0];
  if (first === undefined) return;
  const summary = problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; ');
  throw new OfsError(first.code, {
    message: `${what}: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${summary}`,
    details: { problems: problems.map((p) => ({ ...p })) },
  });
}

/**
 * Wraps an unknown failure from a dependency into a retryable `OfsError` with `code`;
 * an `OfsError` passes through unchanged.
 */
export function toOfsError(error: unknown, code: OfsErrorCode, message?: string): OfsError {
  if (isOfsError(error)) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new OfsError(code, { message: message ? `${message}: ${text}` : text, cause: error });
}

/** Throws `ABORTED` when the signal is aborted. Call at stage boundaries. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new OfsError('ABORTED', { message: 'operation aborted', cause: signal.reason });
  }
}
