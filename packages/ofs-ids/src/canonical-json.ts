import { compareCodePoints, OfsError } from '@ofs/contracts';

/**
 * Canonical JSON, byte-compatible with the reference (Python `json.dumps(sort_keys=True,
 * ensure_ascii=True, separators=(",", ":"))`):
 * - object keys sorted by Unicode code point;
 * - no whitespace;
 * - every character outside U+0020–U+007E escaped as `\uXXXX` in lowercase hex (astral characters
 *   as surrogate pairs), with the short escapes `\n \t \r \b \f \" \\`;
 * - integers exact (bigint allowed), non-integral numbers in Python `repr` form (`1e-05`, `0.5`).
 *
 * NaN, ±Infinity, `undefined`, functions, symbols, non-plain objects, array holes and cycles throw
 * `OfsError('CANONICAL_VALUE_INVALID')` — they never become `null`.
 *
 * Bounded work: a value nested deeper than `maxDepth` (default 1,000) throws
 * `VALUE_DEPTH_EXCEEDED` before the recursion could overflow the stack, and an encoding that would
 * exceed `maxLength` characters (default 128 Mi) throws `VALUE_SIZE_EXCEEDED` as soon as it does —
 * so a graph of shared objects (a DAG whose expansion is exponential) costs at most `maxLength`
 * characters of work. Shared references that are not cycles are encoded in full each time.
 *
 * Integral floats cannot be told from integers in JavaScript (`1.0 === 1`): they encode as
 * integers. This is the one documented divergence from the reference.
 */
export function canonicalJson(value: unknown, options?: CanonicalJsonOptions): string {
  const ctx: Context = {
    open: new Set(),
    depth: 0,
    length: 0,
    maxDepth: options?.maxDepth ?? CANONICAL_MAX_DEPTH,
    maxLength: options?.maxLength ?? CANONICAL_MAX_LENGTH,
  };
  return encode(value, ctx);
}

/** Limits of `canonicalJson`. */
export interface CanonicalJsonOptions {
  /** Deepest nesting of arrays/objects accepted (default `CANONICAL_MAX_DEPTH`). */
  readonly maxDepth?: number;
  /** Longest encoding accepted, in UTF-16 code units (default `CANONICAL_MAX_LENGTH`). */
  readonly maxLength?: number;
}

/** Default nesting limit of `canonicalJson` (`VALUE_DEPTH_EXCEEDED` beyond it). */
export const CANONICAL_MAX_DEPTH = 1000;
/** Default encoding-length limit of `canonicalJson`, in characters (`VALUE_SIZE_EXCEEDED` beyond it). */
export const CANONICAL_MAX_LENGTH = 128 * 1024 * 1024;

interface Context {
  /** Containers being encoded (the path from the root): a repeat is a cycle. */
  readonly open: Set<object>;
  depth: number;
  /** Characters produced so far. */
  length: number;
  readonly maxDepth: number;
  readonly maxLength: number;
}

function grow(ctx: Context, n: number): void {
  ctx.length += n;
  if (ctx.length > ctx.maxLength) {
    throw new OfsError('VALUE_SIZE_EXCEEDED', {
      message: `the canonical JSON would exceed ${ctx.maxLength} characters`,
      details: { limit: ctx.maxLength },
    });
  }
}

// Printable ASCII without `"` and `\`: such strings need no escaping at all.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const NEEDS_U_ESCAPE = /[\u007f-\uffff]/g;

function escapeUnit(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Encodes one string as a canonical JSON string literal. */
export function canonicalString(text: string): string {
  if (PLAIN.test(text)) return `"${text}"`;
  // JSON.stringify already applies the short escapes, `\u00xx` for other controls (lowercase)
  // and escapes lone surrogates; what is left is DEL and every non-ASCII code unit.
  return JSON.stringify(text).replace(NEEDS_U_ESCAPE, escapeUnit);
}

/** Encodes a finite number as Python would: integers exactly, other floats in `repr` form. */
export function canonicalNumber(n: number): string {
  if (!Number.isFinite(n)) {
    throw new OfsError('CANONICAL_VALUE_INVALID', { message: `${n} cannot be canonical JSON`, details: { value: String(n) } });
  }
  if (Number.isInteger(n)) {
    if (Number.isSafeInteger(n)) return n === 0 ? '0' : String(n);
    return BigInt(n).toString();
  }
  // Shortest round-trip digits, as both languages compute them; only the layout differs:
  // Python switches to exponent form below 1e-4 and from 1e16 and pads the exponent to 2 digits.
  const [mantissa = '', e = '0'] = n.toExponential().split('e');
  const expNum = Number(e);
  if (expNum >= -4 && expNum < 16) return String(n);
  const sign = expNum < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(expNum)).padStart(2, '0')}`;
}

function fail(message: string): never {
  throw new OfsError('CANONICAL_VALUE_INVALID', { message });
}

function needsCodePointSort(keys: readonly string[]): boolean {
  for (const k of keys) {
    for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) >= 0xd800) return true;
  }
  return false;
}

function sortKeys(keys: string[]): string[] {
  keys.sort();
  // UTF-16 order equals code-point order unless a surrogate meets U+E000–U+FFFF.
  return needsCodePointSort(keys) ? keys.sort(compareCodePoints) : keys;
}

// Records of one shape (rows, receipts) repeat the same key list; remembering its sorted order
// saves a sort per object. Buckets by key count, a few shapes each, compared element-wise.
const SHAPES_PER_BUCKET = 8;
interface Shape {
  keys: string[];
  sorted: string[];
  /** `"key":` per sorted key, preceded by `,` after the first. */
  heads: string[];
}
const shapeCache = new Map<number, Shape[]>();

function shapeOf(obj: object): Shape {
  const keys = Object.keys(obj);
  let bucket = shapeCache.get(keys.length);
  if (bucket === undefined) {
    bucket = [];
    shapeCache.set(keys.length, bucket);
  }
  search: for (const shape of bucket) {
    const known = shape.keys;
    for (let i = 0; i < keys.length; i++) if (known[i] !== keys[i]) continue search;
    return shape;
  }
  const sorted = sortKeys([...keys]);
  const shape: Shape = { keys, sorted, heads: sorted.map((k, i) => `${i === 0 ? '' : ','}${canonicalString(k)}:`) };
  if (bucket.length >= SHAPES_PER_BUCKET) bucket.shift();
  bucket.push(shape);
  return shape;
}

function encode(value: unknown, ctx: Context): string {
  let out: string;
  switch (typeof value) {
    case 'string':
      out = canonicalString(value);
      break;
    case 'number':
      out = canonicalNumber(value);
      break;
    case 'boolean':
      out = value ? 'true' : 'false';
      break;
    case 'bigint':
      out = value.toString();
      break;
    case 'object': {
      if (value === null) {
        out = 'null';
        break;
      }
      if (ctx.open.has(value)) fail('a cycle cannot be canonical JSON');
      if (ctx.depth >= ctx.maxDepth) {
        throw new OfsError('VALUE_DEPTH_EXCEEDED', {
          message: `the value is nested deeper than ${ctx.maxDepth} levels`,
          details: { limit: ctx.maxDepth },
        });
      }
      ctx.open.add(value);
      ctx.depth++;
      grow(ctx, 2);
      if (Array.isArray(value)) {
        out = '[';
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) fail(`array hole at index ${i} cannot be canonical JSON`);
          if (i === 0) out += encode(value[i], ctx);
          else {
            grow(ctx, 1);
            out += `,${encode(value[i], ctx)}`;
          }
        }
        out += ']';
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          fail(`a ${(value as object).constructor?.name ?? 'non-plain'} object cannot be canonical JSON`);
        }
        const { sorted, heads } = shapeOf(value);
        out = '{';
        for (let i = 0; i < sorted.length; i++) {
          const k = sorted[i] as string;
          const v = (value as Record<string, unknown>)[k];
          if (v === undefined) fail(`undefined at key ${JSON.stringify(k)} cannot be canonical JSON`);
          const head = heads[i] as string;
          grow(ctx, head.length);
          out += head + encode(v, ctx);
        }
        out += '}';
      }
      ctx.depth--;
      ctx.open.delete(value);
      return out;
    }
    default:
      return fail(`a ${typeof value} cannot be canonical JSON`);
  }
  grow(ctx, out.length);
  return out;
}
