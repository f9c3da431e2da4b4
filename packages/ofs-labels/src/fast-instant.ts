const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

function two(text: string, i: number): number {
  return digit(text, i) * 10 + digit(text, i + 1);
}

/**
 * Parses an RFC 3339 instant with an explicit zone into `out[at]` (epoch ms, UTC) and
 * `out[at + 1]` (nanoseconds below the ms), without allocating. Returns `false` when `text` is
 * not valid. Accepts exactly what `parseInstant` of `@ofs/contracts` accepts and gives the same
 * instant (property-tested); it exists because the resolver parses two timestamps per assertion.
 */
export function parseInstantInto(text: string, out: Float64Array, at: number): boolean {
  const n = text.length;
  if (n < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58)
    return false;
  const t = text.charCodeAt(10);
  if (t !== 84 && t !== 116) return false;
  const year = two(text, 0) * 100 + two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return false;
  }
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return false;
  let i = 19;
  let nanos = 0;
  if (text.charCodeAt(i) === 46) {
    i++;
    let digits = 0;
    while (i < n) {
      const d = digit(text, i);
      if (d < 0) break;
      if (++digits > 9) return false;
      nanos = nanos * 10 + d;
      i++;
    }
    if (digits === 0) return false;
    for (let k = digits; k < 9; k++) nanos *= 10;
  }
  let offsetMinutes = 0;
  const z = text.charCodeAt(i);
  if (z === 90 || z === 122) {
    if (i + 1 !== n) return false;
  } else if (z === 43 || z === 45) {
    if (i + 6 !== n || text.charCodeAt(i + 3) !== 58) return false;
    const oh = two(text, i + 1);
    const om = two(text, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
    offsetMinutes = (z === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return false;
  }
  const ms = Math.floor(nanos / 1_000_000);
  const seconds = ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second;
  out[at] = seconds * 1000 + ms;
  out[at + 1] = nanos - ms * 1_000_000;
  return true;
}
