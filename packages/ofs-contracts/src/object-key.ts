import { OfsError } from './errors.js';

/** Longest object key accepted, in characters (keys are ASCII, so also bytes). */
export const MAX_OBJECT_KEY_LENGTH = 1024;
/** Longest key segment accepted (most filesystems cap a file name at 255 bytes). */
export const MAX_OBJECT_KEY_SEGMENT_LENGTH = 255;
/** Most segments a key may have. */
export const MAX_OBJECT_KEY_DEPTH = 32;

const SEGMENT = /^[A-Za-z0-9._=-]+$/;
const PREFIX_CHARS = /^[A-Za-z0-9._=/-]*$/;

/** Why `key` is not a valid object key, or `undefined` when it is. */
export function objectKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return `a key must be a string, got ${key === null ? 'null' : typeof key}`;
  if (key.length === 0) return 'a key must not be empty';
  if (key.length > MAX_OBJECT_KEY_LENGTH) return `a key must be at most ${MAX_OBJECT_KEY_LENGTH} characters`;
  if (key.startsWith('/')) return 'a key must be store-relative (no leading "/")';
  const segments = key.split('/');
  if (segments.length > MAX_OBJECT_KEY_DEPTH) return `a key must have at most ${MAX_OBJECT_KEY_DEPTH} segments`;
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem) return problem;
  }
  return undefined;
}

function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'a key must not contain an empty segment ("//" or a trailing "/")';
  if (segment === '.' || segment === '..') return `a key must not contain a "${segment}" segment`;
  if (segment.length > MAX_OBJECT_KEY_SEGMENT_LENGTH) return `a key segment must be at most ${MAX_OBJECT_KEY_SEGMENT_LENGTH} characters`;
  if (!SEGMENT.test(segment)) return 'a key segment may contain only [A-Za-z0-9._=-]';
  return undefined;
}

/** `true` when `key` is a valid store-relative object key (see `assertObjectKey`). */
export function isObjectKey(key: unknown): key is string {
  return objectKeyProblem(key) === undefined;
}

/**
 * Throws `REF_INVALID` unless `key` is a store-relative object key: `/`-separated segments of
 * `[A-Za-z0-9._=-]+`, none of them `.` or `..`, no leading `/`, no empty segment, at most
 * `MAX_OBJECT_KEY_LENGTH` characters and `MAX_OBJECT_KEY_DEPTH` segments. The key is never
 * decoded or normalised: `%2e%2e`, `\`, NUL and look-alike characters are simply refused.
 */
export function assertObjectKey(key: unknown): asserts key is string {
  const problem = objectKeyProblem(key);
  if (problem !== undefined) {
    throw new OfsError('REF_INVALID', { message: `invalid object key ${preview(key)}: ${problem}`, details: { key: preview(key) } });
  }
}

/**
 * Throws `REF_INVALID` unless `prefix` is a valid `list` prefix: empty, or the start of a valid
 * key — every complete segment (before the last `/`) valid, the last (possibly empty) part only
 * of key characters.
 */
export function assertObjectKeyPrefix(prefix: unknown): asserts prefix is string {
  let problem: string | undefined;
  if (typeof prefix !== 'string') problem = 'a prefix must be a string';
  else if (prefix.length > MAX_OBJECT_KEY_LENGTH) problem = `a prefix must be at most ${MAX_OBJECT_KEY_LENGTH} characters`;
  else if (!PREFIX_CHARS.test(prefix)) problem = 'a prefix may contain only [A-Za-z0-9._=/-]';
  else if (prefix.startsWith('/')) problem = 'a prefix must be store-relative (no leading "/")';
  else {
    const cut = prefix.lastIndexOf('/');
    if (cut >= 0) {
      for (const segment of prefix.slice(0, cut).split('/')) {
        problem = segmentProblem(segment);
        if (problem) break;
      }
    }
  }
  if (problem !== undefined) {
    throw new OfsError('REF_INVALID', {
      message: `invalid key prefix ${preview(prefix)}: ${problem}`,
      details: { prefix: preview(prefix) },
    });
  }
}

/** A printable, bounded rendering of a hostile key for messages (never the raw bytes). */
function preview(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  const text = JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
