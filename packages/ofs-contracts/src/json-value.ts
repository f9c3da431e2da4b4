import type { OfsErrorCode } from './catalogue.js';
import { OfsError, type Problem } from './errors.js';

/** Deepest nesting a parsed record's free-form JSON may have (`VALUE_DEPTH_EXCEEDED` beyond it). */
export const JSON_MAX_DEPTH = 64;
/**
 * Most nodes (values, counted each time they are reached) a parsed record's JSON may have
 * (`VALUE_SIZE_EXCEEDED` beyond it). Counting every reach — not every distinct object — is what
 * bounds the work of everything downstream: canonical JSON, hashing and schema checks expand a
 * shared object once per reference.
 */
export const JSON_MAX_NODES = 100_000;

/** Limits of `jsonValueProblems`. */
export interface JsonValueLimits {
  /** Deepest nesting accepted (default `JSON_MAX_DEPTH`). */
  readonly maxDepth?: number;
  /** Most nodes accepted, shared references counted each time (default `JSON_MAX_NODES`). */
  readonly maxNodes?: number;
}

/** `true` for an object whose prototype is `Object.prototype` or `null` (what `JSON.parse` makes). */
export function isPlainJsonObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `a ${name}` : 'a non-plain object';
  }
  return `a ${typeof value}`;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Checks that `value` is plain JSON as `JSON.parse` would produce it, without ever throwing
 * anything but an `OfsError` and with work bounded by `maxNodes`: plain objects (no class
 * instances, typed arrays, Maps, Dates), arrays without holes, finite numbers, safe integers,
 * strings, booleans and `null`; no cycles; at most `maxDepth` levels and `maxNodes` nodes.
 *
 * Returns every problem found (with `code` for a non-JSON value, `VALUE_DEPTH_EXCEEDED` for depth);
 * on `VALUE_SIZE_EXCEEDED` it stops at once and that problem is the last one. Paths are JSON
 * pointers below `path`. Own enumerable string keys are what is checked (what JSON would keep); an
 * accessor that throws is reported as a problem, not rethrown.
 */
export function jsonValueProblems(value: unknown, path: string, code: OfsErrorCode, limits: JsonValueLimits = {}): Problem[] {
  const maxDepth = limits.maxDepth ?? JSON_MAX_DEPTH;
  const maxNodes = limits.maxNodes ?? JSON_MAX_NODES;
  const problems: Problem[] = [];
  const open = new Set<object>();
  let nodes = 0;
  const stop = new Error('budget');

  const visit = (v: unknown, at: string, depth: number): void => {
    if (++nodes > maxNodes) {
      problems.push({
        path: at,
        code: 'VALUE_SIZE_EXCEEDED',
        message: `more than ${maxNodes} JSON values (shared objects count each time)`,
      });
      throw stop;
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) problems.push({ path: at, code, message: 'numbers must be finite' });
      else if (Number.isInteger(v) && !Number.isSafeInteger(v)) {
        problems.push({ path: at, code, message: 'integers beyond ±(2^53−1) cannot be hashed exactly; send them as strings' });
      }
      return;
    }
    const isArray = Array.isArray(v);
    if (!isArray && !isPlainJsonObject(v)) {
      problems.push({ path: at, code, message: `${describeValue(v)} is not JSON` });
      return;
    }
    const obj = v as object;
    if (open.has(obj)) {
      problems.push({ path: at, code, message: 'a cycle is not JSON' });
      return;
    }
    if (depth >= maxDepth) {
      problems.push({ path: at, code: 'VALUE_DEPTH_EXCEEDED', message: `nested deeper than ${maxDepth} levels` });
      return;
    }
    open.add(obj);
    if (isArray) {
      const arr = v as unknown[];
      for (let i = 0; i < arr.length; i++) {
        if (!Object.hasOwn(arr, i)) {
          problems.push({ path: `${at}/${i}`, code, message: 'arrays must not have holes' });
          // A sparse array may claim any length: one hole reported, the rest not walked.
          break;
        }
        visit(arr[i], `${at}/${i}`, depth + 1);
      }
    } else {
      for (const key of Object.keys(obj)) {
        let item: unknown;
        try {
          item = (obj as Record<string, unknown>)[key];
        } catch {
          problems.push({ path: `${at}/${escapePointer(key)}`, code, message: 'reading the value failed' });
          continue;
        }
        visit(item, `${at}/${escapePointer(key)}`, depth + 1);
      }
    }
    open.delete(obj);
  };

  try {
    visit(value, path, 0);
  } catch (error) {
    if (error !== stop) {
      // A proxy trap or accessor that throws: reported, never rethrown raw.
      problems.push({ path, code, message: `the value cannot be read: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return problems;
}

/**
 * Runs `parse`, turning anything it throws that is not an `OfsError` into one with `code` (the
 * parser's own code), so a parser never throws a raw `TypeError`/`RangeError`.
 */
export function parseGuarded<T>(code: OfsErrorCode, what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof OfsError) throw error;
    throw new OfsError(code, {
      message: `${what}: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}
