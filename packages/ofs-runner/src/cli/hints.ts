import { isOfsError, OFS_ERROR_FIXES, type OfsErrorCode } from '@ofs/contracts';

/**
 * The "what to do" line for a code: `OFS_ERROR_FIXES` of `@ofs/contracts`, typed over every
 * catalogue code (a code without a fix fails typecheck there).
 */
export function fixHint(code: OfsErrorCode): string {
  return OFS_ERROR_FIXES[code];
}

/**
 * Renders an error the way the CLI prints it: `CODE: message`, then `  fix: …`, then the
 * validation problems (if any), one per line.
 */
export function formatError(error: unknown): string {
  if (!isOfsError(error)) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return `INTERNAL_ERROR: ${text}\n  fix: ${fixHint('INTERNAL_ERROR')}`;
  }
  const lines = [`${error.code}: ${error.message}`, `  fix: ${fixHint(error.code)}`];
  const problems = error.details.problems;
  if (Array.isArray(problems)) {
    for (const p of problems.slice(0, 20) as { path?: string; code?: string; message?: string }[]) {
      lines.push(`  - ${p.path || '/'} ${p.code ?? ''}: ${p.message ?? ''}`);
    }
    if (problems.length > 20) lines.push(`  … and ${problems.length - 20} more`);
  }
  return lines.join('\n');
}
