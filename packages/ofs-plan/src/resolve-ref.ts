import { isSafeKeySegment, OfsError, objectKeyProblem } from '@ofs/contracts';

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

/**
 * Resolves an input ref (run facts, parity anchor) to the store key it names, confined to the
 * intent's platform run (law 7). A ref is a store-relative key whose first segment is
 * `platformRunId`; nothing is decoded, trimmed or normalised.
 *
 * - `REF_INVALID`: not a string, blank, a URL or any `scheme:` (`s3://`, `file:`, `http:`), an
 *   absolute or drive path, `\`, `.`/`..` or empty segments, characters outside
 *   `[A-Za-z0-9._=-]` (so `%2e%2e`, NUL and look-alikes are refused), too long;
 *   or `platformRunId` is not a safe key segment.
 * - `REF_SCOPE_MISMATCH`: a valid key under another run's prefix (or under no run at all).
 */
export function resolveRef(ref: unknown, platformRunId: string): string {
  if (typeof platformRunId !== 'string' || !isSafeKeySegment(platformRunId)) {
    throw new OfsError('REF_INVALID', {
      message: 'platform_run_id is not a safe key segment, so no ref can be confined to it',
      details: { platform_run_id: printable(platformRunId) },
    });
  }
  if (typeof ref !== 'string' || ref.length === 0) {
    throw invalid(ref, 'a ref must be a non-empty string');
  }
  if (WINDOWS_DRIVE.test(ref) || ref.startsWith('/') || ref.startsWith('\\')) throw invalid(ref, 'absolute paths are not refs');
  if (SCHEME.test(ref))
    throw invalid(ref, `unknown scheme ${JSON.stringify(ref.slice(0, ref.indexOf(':') + 1))}; refs are store-relative keys`);
  const problem = objectKeyProblem(ref);
  if (problem !== undefined) throw invalid(ref, problem);
  const first = ref.slice(0, ref.indexOf('/') < 0 ? ref.length : ref.indexOf('/'));
  if (first !== platformRunId || !ref.includes('/')) {
    throw new OfsError('REF_SCOPE_MISMATCH', {
      message: `ref ${JSON.stringify(ref)} is outside the platform run ${platformRunId}`,
      details: { ref, platform_run_id: platformRunId, ref_run: first },
    });
  }
  return ref;
}

function invalid(ref: unknown, why: string): OfsError {
  return new OfsError('REF_INVALID', { message: `invalid ref ${printable(ref)}: ${why}`, details: { ref: printable(ref) } });
}

function printable(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  const text = JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
