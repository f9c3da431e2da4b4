import { type Column, OfsError, type ValueType } from '@ofs/contracts';

/**
 * Typed columns (profile v2, DESIGN §12): the canonical row value of each declared type, and the
 * check that a payload value fits its type. A value that does not fit is `COLUMN_VALUE_OUT_OF_TYPE`,
 * never rounded. Row values (what JSONL lines and `readDataset` hold):
 * - `string`: a JS string; `boolean`: a JS boolean;
 * - `int64`: a JS number — only integers within ±(2^53 − 1) are accepted (a stricter range than
 *   int64, so every row value is exact as a JSON number; larger values fail the build);
 * - `decimal(p, s)`: an exact decimal string with exactly `s` fraction digits (`"12.50"`), at
 *   most `p` digits in all;
 * - `timestamp(unit)`: a canonical UTC instant with exactly 3 (`ms`) or 6 (`us`) fraction digits;
 * - `json`: any JSON value.
 */

/** Turns a payload value into the row value of its column, or throws `COLUMN_VALUE_OUT_OF_TYPE`. */
export type ColumnCoercer = (value: unknown, eventId: string) => unknown;

const DECIMAL_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** The manifest column fields of a declared value type (`precision`/`scale`/`unit` where they apply). */
export function columnTypeFields(type: ValueType): Pick<Column, 'type' | 'precision' | 'scale' | 'unit'> {
  switch (type.type) {
    case 'decimal':
      return { type: 'decimal', precision: type.precision, scale: type.scale };
    case 'timestamp':
      return { type: 'timestamp', unit: type.unit };
    default:
      return { type: type.type };
  }
}

/** The coercer of a column type (`undefined` when values pass unchanged: `json` and untyped v1 columns). */
export function coercerFor(column: Column): ColumnCoercer | undefined {
  const fail = (value: unknown, eventId: string, why: string): never => {
    throw new OfsError('COLUMN_VALUE_OUT_OF_TYPE', {
      message: `event ${eventId}: column ${column.name} (${describeType(column)}) cannot hold ${JSON.stringify(value)}: ${why}`,
      details: { column: column.name, type: describeType(column), event_id: eventId, value: safeDetail(value) },
    });
  };
  switch (column.type) {
    case 'string':
      return (v, id) => (v === null || v === undefined ? null : typeof v === 'string' ? v : fail(v, id, 'not a string'));
    case 'boolean':
      return (v, id) => (v === null || v === undefined ? null : typeof v === 'boolean' ? v : fail(v, id, 'not a boolean'));
    case 'int64':
      return (v, id) => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'number') return Number.isSafeInteger(v) ? v : fail(v, id, 'not an integer within ±(2^53 − 1)');
        if (typeof v === 'string' && /^-?(0|[1-9][0-9]*)$/.test(v)) {
          const n = Number(v);
          return Number.isSafeInteger(n) ? n : fail(v, id, 'beyond ±(2^53 − 1)');
        }
        return fail(v, id, 'not an integer');
      };
    case 'decimal': {
      const { precision, scale } = column;
      if (precision === undefined || scale === undefined) return undefined;
      return (v, id) =>
        v === null || v === undefined
          ? null
          : (fitDecimal(v, precision, scale) ?? fail(v, id, 'more scale or digits than declared, or not a decimal'));
    }
    case 'timestamp': {
      const digits = column.unit === 'us' ? 6 : 3;
      return (v, id) =>
        v === null || v === undefined ? null : (fitInstant(v, digits) ?? fail(v, id, `not an instant, or finer than ${column.unit}`));
    }
    default:
      return undefined;
  }
}

/** `value` as a decimal string with exactly `scale` fraction digits, or `undefined` when it does not fit (never rounds). */
export function fitDecimal(value: unknown, precision: number, scale: number): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = plainNumber(value);
  else return undefined;
  if (!DECIMAL_TEXT.test(text)) return undefined;
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const int = dot < 0 ? body : body.slice(0, dot);
  let frac = dot < 0 ? '' : body.slice(dot + 1);
  if (frac.length > scale) {
    if (/[^0]/.test(frac.slice(scale))) return undefined;
    frac = frac.slice(0, scale);
  }
  frac = frac.padEnd(scale, '0');
  const intDigits = int === '0' ? 0 : int.length;
  if (intDigits + scale > precision) return undefined;
  const out = scale > 0 ? `${int}.${frac}` : int;
  return negative && /[1-9]/.test(out) ? `-${out}` : out;
}

/** The plain (no exponent) decimal spelling of a finite JSON number. */
function plainNumber(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/i.exec(s);
  if (!m) return s;
  const digits = (m[2] ?? '') + (m[3] ?? '');
  const exp = Number(m[4]);
  const point = 1 + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (m[1] ?? '') + out;
}

/** `value` as a canonical UTC instant with exactly `digits` fraction digits, or `undefined` (never truncates). */
export function fitInstant(value: unknown, digits: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = INSTANT.exec(value);
  if (!m) return undefined;
  const frac = m[7] ?? '';
  if (frac.length > digits && /[^0]/.test(frac.slice(digits))) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  let ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return undefined;
  const zone = m[8] as string;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  const base = new Date(ms).toISOString().slice(0, 19);
  return `${base}.${frac.slice(0, digits).padEnd(digits, '0')}Z`;
}

/** A column's type as text, e.g. `decimal(18,2)`, `timestamp(us)`. */
export function describeType(column: Pick<Column, 'type' | 'precision' | 'scale' | 'unit'>): string {
  if (column.type === 'decimal' && column.scale !== undefined) return `decimal(${column.precision},${column.scale})`;
  if (column.type === 'timestamp') return `timestamp(${column.unit})`;
  return column.type;
}

function safeDetail(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? JSON.stringify(value).slice(0, 200) : value;
}
