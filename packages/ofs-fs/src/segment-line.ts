/** One line of a segment file, as `writeSegmentFiles` writes it (the record less the fields its directory names). */
export interface SegmentRow {
  offset: unknown;
  event_id: unknown;
  ts_utc: unknown;
  payload_hash: unknown;
  /** Further envelope fields (v2 lines, when the record has them); covered by the hash. */
  envelope?: unknown;
  payload: unknown;
}

const OFFSET_KEY = '{"offset":"';
const EVENT_ID_KEY = '","event_id":"';
const TS_UTC_KEY = '","ts_utc":"';
const PAYLOAD_HASH_KEY = '","payload_hash":"';
const PAYLOAD_KEY = '","payload":';
const CLOSE_BRACE = 0x7d;
/** A backslash (an escape) or a control character: not allowed raw in a plain JSON string. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching raw control characters is the point (JSON forbids them unescaped).
const NOT_PLAIN = /[\u0000-\u001f\\]/;

/**
 * Parses a segment line in the exact shape `writeSegmentFiles` writes —
 * `{"offset":"…","event_id":"…","ts_utc":"…","payload_hash":"…","payload":…}` with four plain
 * strings (no escapes) — reading the four strings directly and `JSON.parse`-ing only the payload.
 * Returns `undefined` for anything else (other key order, whitespace, escapes, invalid JSON): the
 * caller then parses the whole line with `JSON.parse`. Whenever it returns a row, that row equals
 * `JSON.parse(line)` (property-tested).
 */
export function parsePlainSegmentLine(line: string): SegmentRow | undefined {
  if (!line.startsWith(OFFSET_KEY) || line.charCodeAt(line.length - 1) !== CLOSE_BRACE) return undefined;
  // Each string ends at the next quote: an escaped quote would need a backslash, and any
  // backslash or control character before the payload sends the line to JSON.parse (checked below).
  let at = OFFSET_KEY.length;
  let end = line.indexOf('"', at);
  if (end < 0) return undefined;
  const offset = line.slice(at, end);
  if (!line.startsWith(EVENT_ID_KEY, end)) return undefined;
  at = end + EVENT_ID_KEY.length;
  end = line.indexOf('"', at);
  if (end < 0) return undefined;
  const event_id = line.slice(at, end);
  if (!line.startsWith(TS_UTC_KEY, end)) return undefined;
  at = end + TS_UTC_KEY.length;
  end = line.indexOf('"', at);
  if (end < 0) return undefined;
  const ts_utc = line.slice(at, end);
  if (!line.startsWith(PAYLOAD_HASH_KEY, end)) return undefined;
  at = end + PAYLOAD_HASH_KEY.length;
  end = line.indexOf('"', at);
  if (end < 0) return undefined;
  const payload_hash = line.slice(at, end);
  if (!line.startsWith(PAYLOAD_KEY, end)) return undefined;
  if (NOT_PLAIN.test(line.slice(0, end))) return undefined;
  at = end + PAYLOAD_KEY.length;
  let payload: unknown;
  try {
    // Valid exactly when the whole line is: the rest of the line is `<payload>}`.
    payload = JSON.parse(line.slice(at, line.length - 1));
  } catch {
    return undefined;
  }
  return { offset, event_id, ts_utc, payload_hash, payload };
}
