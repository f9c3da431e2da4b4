import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CorridorCounters } from '../corridor-types.js';
import { corridorLayout, createDefaultCorridor } from '../default-corridor.js';
import { writeDemoConfig, writeDemoData } from '../demo/setup.js';
import { tempDir } from '../test-support/cli-harness.js';
import { COMMANDS } from './commands/index.js';
import { runCli } from './main.js';
import { createProgressLine, formatCounters, progressMode } from './progress-line.js';

const ESC = String.fromCharCode(27);

/** A stream that records what was written; `isTTY` as given. */
function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, ...(columns ? { columns } : {}), write: (t: string) => writes.push(t) } };
}

const c = (read: number, rows = read, labels = read, expected = 20_000): CorridorCounters => ({
  records_read: read,
  records_expected: expected,
  rows_written: rows,
  labels_resolved: labels,
});

describe('progress line renderer', () => {
  it('formats records replayed of the basis, rows written, labels resolved, rate and ETA', () => {
    expect(formatCounters('reconstruct', c(5_000, 4_000, 5_000), 2.5)).toBe(
      'reconstruct: 5,000/20,000 records replayed (25%) · 4,000 rows written · 5,000 labels resolved · 2000 rec/s · ETA 0:08',
    );
    expect(formatCounters('r', c(0), 0)).toBe('r: 0/20,000 records replayed (0%) · 0 rows written · 0 labels resolved');
    expect(formatCounters('r', c(1_000_000, 0, 0, 4_000_000), 20)).toContain('50.0k rec/s · ETA 1:00');
  });

  it('on a TTY: one line rewritten in place, throttled, cut to the width; messages clear and redraw it', () => {
    let t = 0;
    const { writes, stream } = fakeStream(true, 60);
    const line = createProgressLine(stream, { mode: 'tty', now: () => t });
    line.counters('[ab] reconstruct', c(4_096));
    t = 50;
    line.counters('[ab] reconstruct', c(8_192)); // within 100 ms: skipped
    t = 1_000;
    line.counters('[ab] reconstruct', c(10_000));
    expect(writes).toHaveLength(2);
    for (const w of writes) {
      expect(w.startsWith('\r\x1b[K')).toBe(true);
      expect(w).not.toContain('\n');
      expect(w.length - 4).toBeLessThanOrEqual(59);
    }
    expect(writes[1]).toContain('[ab] reconstruct: 10,000/20,000 records');
    writes.length = 0;
    line.message('[ab] publish: publishing the manifest');
    expect(writes[0]).toBe('\r\x1b[K');
    expect(writes[1]).toBe('[ab] publish: publishing the manifest\n');
    expect(writes[2]).toContain('10,000/20,000');
    writes.length = 0;
    line.settle(); // the stage ended: its last counters stay on screen as a line, not redrawn again
    expect(writes).toEqual(['\n']);
    line.message('[ab] done');
    expect(writes).toEqual(['\n', '[ab] done\n']);
    t = 5_000;
    line.counters('[cd] reconstruct', c(1));
    writes.length = 0;
    line.clear();
    expect(writes).toEqual(['\r\x1b[K']);
    line.clear();
    expect(writes).toEqual(['\r\x1b[K']);
  });

  it('off a TTY: nothing unless --progress, then plain lines without control characters', () => {
    const plain = fakeStream(false);
    expect(progressMode(plain.stream, { quiet: false, json: false, progress: false })).toBe('off');
    const off = createProgressLine(plain.stream, { mode: 'off' });
    off.message('x');
    off.counters('r', c(10));
    off.clear();
    expect(plain.writes).toEqual([]);

    expect(progressMode(plain.stream, { quiet: false, json: false, progress: true })).toBe('lines');
    let t = 0;
    const lines = createProgressLine(plain.stream, { mode: 'lines', now: () => t });
    lines.counters('r', c(10));
    t = 500;
    lines.counters('r', c(20)); // within 2 s: skipped
    t = 2_500;
    lines.counters('r', c(30));
    lines.message('done');
    expect(plain.writes).toHaveLength(3);
    for (const w of plain.writes) {
      expect(w.endsWith('\n')).toBe(true);
      expect(w.includes('\r') || w.includes(ESC)).toBe(false);
    }
  });

  it('modes: a TTY shows progress unless --quiet; --json only with --progress (always on stderr)', () => {
    const tty = fakeStream(true).stream;
    expect(progressMode(tty, { quiet: false, json: false, progress: false })).toBe('tty');
    expect(progressMode(tty, { quiet: true, json: false, progress: true })).toBe('off');
    expect(progressMode(tty, { quiet: false, json: true, progress: false })).toBe('off');
    expect(progressMode(tty, { quiet: false, json: true, progress: true })).toBe('tty');
  });
});

describe('ofs build shows progress inside the stage (in-process CLI, fake TTY)', async () => {
  const { dir: root, cleanup } = await tempDir('ofs-progress-');
  afterAll(cleanup);
  const dir = join(root, 'c');
  const layout = corridorLayout(dir);
  await mkdir(layout.dir, { recursive: true });
  await writeDemoConfig(layout);
  const corridor = await createDefaultCorridor({ dir });
  let intentFile: string;
  try {
    const marker = await writeDemoData(
      dir,
      { store: corridor.store, labels: corridor.labels, codeReleaseId: corridor.pins.codeReleaseId },
      { events: 6_000, seed: 7 },
    );
    intentFile = join(dir, marker.intents.build);
  } finally {
    await corridor.close();
  }

  async function run(args: string[], isTTY: boolean) {
    const out = fakeStream(false);
    const err = fakeStream(isTTY, 200);
    const code = await runCli(args, COMMANDS, {
      stdout: out.stream,
      stderr: err.stream,
      env: {},
      cwd: root,
      signal: new AbortController().signal,
    });
    return { code, stdout: out.writes.join(''), stderr: err.writes.join('') };
  }

  it('a TTY gets the updating counters line on stderr; --json keeps stdout one JSON document and stderr silent; a pipe gets nothing', async () => {
    const tty = await run(['build', intentFile, '--dir', dir], true);
    expect(tty.code, tty.stderr).toBe(0);
    expect(tty.stderr).toContain(`\r${ESC}[K[`);
    expect(tty.stderr).toMatch(
      /\[[0-9a-f]{8}\] reconstruct: [\d,]+\/[\d,]+ records replayed \(\d+%\) · [\d,]+ rows written · [\d,]+ labels resolved/,
    );
    expect(tty.stderr).toContain('replay: replaying EB and Archive\n');
    // The counters are settled as a line when publication starts, and not redrawn after it.
    expect(tty.stderr).toMatch(/labels resolved[^\n]*\n\[[0-9a-f]{8}\] publish: /);
    expect(tty.stderr.split('publish: ')[1]).not.toContain('records replayed');
    expect(tty.stdout.includes('\r') || tty.stdout.includes(ESC)).toBe(false);

    // The same request again (DONE already): with --json nothing on stderr, only JSON on stdout.
    const json = await run(['build', intentFile, '--dir', dir, '--json'], true);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout).run.state).toBe('DONE');

    const piped = await run(['build', intentFile, '--dir', dir], false);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
  }, 300_000);
});
