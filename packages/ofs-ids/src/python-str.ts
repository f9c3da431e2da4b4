import { OfsError } from '@ofs/contracts/base';
import { canonicalNumber } from './canonical-json.js';

/**
 * Python's `str()` of a JSON scalar, which the reference applies to identity fields:
 * `null` → `None`, `true` → `True`, numbers in `repr` form. Containers cannot be mirrored
 * (Python would print its `repr`), so they are refused.
 */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return canonicalNumber(value);
  if (typeof value === 'bigint') return value.toString();
  throw new OfsError('CANONICAL_VALUE_INVALID', {
    message: `cannot mirror Python str() of ${Array.isArray(value) ? 'an array' : typeof value}`,
  });
}

/** Python truthiness of a JSON value. */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '' || value === 0n) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Python `int()` of a partition value, with falsy → 0 (floats truncate, `true` → 1). */
export function pyInt(value: unknown): number {
  if (!pyTruthy(value)) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(value)) return Number(value.trim().replace(/_/g, ''));
  throw new OfsError('CANONICAL_VALUE_INVALID', { message: `partition ${JSON.stringify(value)} is not an integer` });
}
