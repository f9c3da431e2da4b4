import type { CorridorCounters } from '../corridor-types.js';

/** Where progress goes (stderr): a TTY gets one updating line, anything else plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width; the updating line is cut to fit. */
  readonly columns?: number;
}

/** `tty`: one updating line; `lines`: throttled plain lines (`--progress` off a TTY); `off`: nothing. */
export type ProgressMode = 'tty' | 'lines' | 'off';

/** Options of `createProgressLine`. */
export interface ProgressLineOptions {
  readonly mode: ProgressMode;
  /** Clock in ms (tests inject one); default `Date.now`. */
  readonly now?: () => number;
  /** Least time between two renderings of the counters (default 100 ms on a TTY, 2 s as lines). */
  readonly intervalMs?: number;
}

/** Renders progress messages and running counters; never writes in mode `off`. */
export interface ProgressLine {
  /** A permanent line (a stage started, a run was submitted). */
  message(text: string): void;
  /** Running totals of a run's stage: the updating line (throttled). */
  counters(label: string, counters: CorridorCounters): void;
  /** Keeps the updating line as it stands as a permanent line (its stage ended); the next counters start a new one. */
  settle(): void;
  /** Removes the updating line (before results or errors are printed). */
  clear(): void;
}

/** Which mode a command's progress uses: quiet → off; `--json` → only with `--progress`; else a TTY or `--progress`. */
export function progressMode(stream: ProgressStream, flags: { quiet: boolean; json: boolean; progress: boolean }): ProgressMode {
  if (flags.quiet) return 'off';
  const enabled = flags.json ? flags.progress : flags.progress || stream.isTTY === true;
  if (!enabled) return 'off';
  return stream.isTTY === true ? 'tty' : 'lines';
}

const int = new Intl.NumberFormat('en-US');

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n >= 100 ? 0 : 1);
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

/**
 * One progress text: records replayed of the basis (with percent), rows written, labels resolved,
 * the rate in records per second and the ETA (when a rate is known).
 *
 * @example
 * formatCounters('reconstruct', { records_read: 5000, records_expected: 20000, rows_written: 4000, labels_resolved: 5000 }, 2.5);
 * // 'reconstruct: 5,000/20,000 records replayed (25%) · 4,000 rows written · 5,000 labels resolved · 2.0k rec/s · ETA 0:08'
 */
export function formatCounters(label: string, c: CorridorCounters, elapsedSeconds: number): string {
  const pct = c.records_expected > 0 ? Math.min(100, Math.floor((c.records_read / c.records_expected) * 100)) : 0;
  const parts = [
    `${label}: ${int.format(c.records_read)}/${int.format(c.records_expected)} records replayed (${pct}%)`,
    `${int.format(c.rows_written)} rows written`,
    `${int.format(c.labels_resolved)} labels resolved`,
  ];
  if (elapsedSeconds > 0 && c.records_read > 0) {
    const rate = c.records_read / elapsedSeconds;
    parts.push(`${compact(rate)} rec/s`);
    parts.push(`ETA ${duration(Math.max(0, c.records_expected - c.records_read) / rate)}`);
  }
  return parts.join(' · ');
}

const CLEAR_LINE = '\r\x1b[K';

/**
 * The CLI's progress renderer. On a TTY the counters are one line rewritten in place (`\r`, erase
 * to end of line, cut to the terminal width) at most every `intervalMs`; permanent messages clear
 * it, print, and redraw it. Off a TTY (`--progress`) messages are plain lines and the counters a
 * plain line every 2 s. In mode `off` nothing is written. It only ever writes to the stream it is
 * given (stderr): stdout stays for results and `--json`.
 */
export function createProgressLine(stream: ProgressStream, options: ProgressLineOptions): ProgressLine {
  const now = options.now ?? Date.now;
  const tty = options.mode === 'tty';
  const interval = options.intervalMs ?? (tty ? 100 : 2_000);
  const started = new Map<string, number>();
  let shown = '';
  let lastRender = Number.NEGATIVE_INFINITY;

  const fit = (text: string) => {
    const width = stream.columns && stream.columns > 10 ? stream.columns - 1 : 0;
    return width > 0 && text.length > width ? `${text.slice(0, width - 1)}…` : text;
  };

  return {
    message(text) {
      if (options.mode === 'off') return;
      if (tty && shown !== '') stream.write(CLEAR_LINE);
      stream.write(`${text}\n`);
      if (tty && shown !== '') stream.write(shown);
    },
    counters(label, counters) {
      if (options.mode === 'off') return;
      const t = now();
      if (!started.has(label)) started.set(label, t);
      const done = counters.records_expected > 0 && counters.records_read >= counters.records_expected;
      if (t - lastRender < interval && !done) return;
      lastRender = t;
      const text = formatCounters(label, counters, (t - (started.get(label) ?? t)) / 1000);
      if (tty) {
        shown = fit(text);
        stream.write(`${CLEAR_LINE}${shown}`);
      } else stream.write(`${text}\n`);
    },
    settle() {
      if (tty && shown !== '') stream.write('\n');
      shown = '';
    },
    clear() {
      if (tty && shown !== '') stream.write(CLEAR_LINE);
      shown = '';
    },
  };
}
