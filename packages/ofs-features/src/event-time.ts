import { canonicalInstant, OfsError, parseInstant } from '@ofs/contracts';
import type { EventTime } from './windows.js';

/**
 * Parses event timestamps (RFC 3339 with a zone) into `EventTime` and their canonical UTC
 * spelling, with a fast path for the canonical `YYYY-MM-DDTHH:MM:SSZ` form that reuses the
 * parsed hour (events of a partition arrive in roughly time order).
 */
export class EventTimeParser {
  private hourPrefix = '';
  private hourMs = 0;
  /** The result of the last `parse`, reused (read it before the next call). */
  private readonly result: { time: EventTime; canonical: string } = { time: { ms: 0, sub: 0 }, canonical: '' };

  /**
   * Parses `text`; throws `REPLAY_RECORD_INVALID` when it is not an instant with a zone. The
   * returned object (and its `time`) is reused by the next call: copy what must outlive it.
   */
  parse(text: string, eventId: string): { time: EventTime; canonical: string } {
    if (text.length === 20 && text.charCodeAt(19) === 90 /* Z */ && text.startsWith(this.hourPrefix) && this.hourPrefix !== '') {
      const mm = twoDigits(text, 14);
      const ss = twoDigits(text, 17);
      if (mm >= 0 && mm < 60 && ss >= 0 && ss < 60 && text.charCodeAt(16) === 58 && text.charCodeAt(13) === 58) {
        return this.set(this.hourMs + mm * 60_000 + ss * 1000, 0, text);
      }
    }
    const instant = parseInstant(text);
    if (instant === undefined) {
      throw new OfsError('REPLAY_RECORD_INVALID', {
        message: `event ${eventId}: ts_utc ${JSON.stringify(text)} is not an RFC 3339 instant with a zone`,
        details: { event_id: eventId, ts_utc: text },
      });
    }
    const canonical = canonicalInstant(instant);
    if (canonical.length === 20 && canonical.charCodeAt(10) === 84 /* T */) {
      const prefix = canonical.slice(0, 13);
      const hour = parseInstant(`${prefix}:00:00Z`);
      if (hour !== undefined) {
        this.hourPrefix = prefix;
        this.hourMs = hour.epochMs;
      }
    }
    return this.set(instant.epochMs, instant.subMsNanos, canonical);
  }

  private set(ms: number, sub: number, canonical: string): { time: EventTime; canonical: string } {
    const r = this.result;
    r.time.ms = ms;
    r.time.sub = sub;
    r.canonical = canonical;
    return r;
  }
}

function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}
