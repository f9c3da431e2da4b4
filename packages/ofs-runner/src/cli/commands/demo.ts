import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { OfsError, type RunRecord } from '@ofs/contracts';
import { loadPublishInputs, readDataset, readManifest } from '@ofs/publish';
import { corridorLayout, type DefaultCorridor } from '../../default-corridor.js';
import { type DemoMarker, existingDemo, writeDemoConfig, writeDemoData } from '../../demo/setup.js';
import { writeDatasetCard } from '../../card/write-card.js';
import type { CliCommand, CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { runJson } from '../format.js';
import { intOption, THREADS_OPTION, withCorridor } from './shared.js';

/** Default number of demo events: a realistic sample that builds in seconds on 2 cores. */
export const DEFAULT_DEMO_EVENTS = 20_000;

async function buildToRest(corridor: DefaultCorridor, intent: unknown, signal: AbortSignal): Promise<{ run: RunRecord; created: boolean }> {
  const { run, created } = await corridor.submit(intent, { signal });
  let current = await corridor.runBuild(run.run_key, { signal });
  while (current.state === 'QUEUED' && !signal.aborted) current = await corridor.runBuild(run.run_key, { signal });
  return { run: current, created };
}

/** A path as one POSIX shell word. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function pct(n: number, total: number): string {
  return `${total === 0 ? 0 : Math.round((n / total) * 100)}%`;
}

async function runDemo(ctx: CommandContext, corridor: DefaultCorridor, marker: DemoMarker) {
  const signal = ctx.io.signal;
  const dir = corridor.layout.dir;
  const intent = JSON.parse(await readFile(join(dir, marker.intents.build), 'utf8'));
  const sameMeaning = JSON.parse(await readFile(join(dir, marker.intents.same_meaning), 'utf8'));
  ctx.progress('building the demo dataset');
  const first = await buildToRest(corridor, intent, signal);
  const repeat = await buildToRest(corridor, intent, signal);
  ctx.progress('building the same meaning under a second request id');
  const second = await buildToRest(corridor, sameMeaning, signal);
  const run = first.run;
  const c = marker.data.counts;
  const lines = [
    `OFS demo in ${relative(ctx.io.cwd, dir) || '.'} (${c.events} events, seed ${marker.seed})`,
    `generated: ${marker.data.replay_basis.length} partitions over 2 topics; ${pct(c.archive_only, c.events)} only in the Archive, ` +
      `${pct(c.eb_and_archive, c.events)} on both (the cutover), ${pct(c.eb_only, c.events)} only on the EB; ${c.duplicate_deliveries} duplicate deliveries`,
    `           ${c.label_assertions} label assertions: ${c.late_label_assertions} observed after the cutoff ${marker.data.label_asof_utc}, ` +
      `${c.conflicting_subjects} conflicting, ${c.corrected_subjects} corrected later`,
    `build ${run.request_id} → run ${run.run_key}: ${run.state}${run.outcome ? ` ${run.outcome}` : ''}`,
  ];
  const json: Record<string, unknown> = {
    dir,
    generated: marker.data,
    runs: { build: runJson(first.run), repeat: runJson(repeat.run), same_meaning: runJson(second.run) },
  };
  if (run.state !== 'DONE' || run.manifest_key === null || run.plan_id === null) {
    if (run.last_error) lines.push(`  ${run.last_error.code}: ${run.last_error.message}`);
    return { exitCode: EXIT.FAILED, json, text: lines };
  }
  const manifest = await readManifest(run.manifest_key, { store: corridor.store, signal });
  const stored = await loadPublishInputs(corridor.store, { platform_run_id: run.platform_run_id, plan_id: run.plan_id }, {}, { signal });
  const replay = stored.replayReceipt;
  const labels = stored.labelReceipt;
  const draft = stored.draft;
  lines.push(
    `  manifest ${run.manifest_key}`,
    `  ${manifest.status_class}, ${manifest.training_posture}: ${manifest.rows_total} rows in ${manifest.parts.length} parts (${manifest.bytes_total} bytes), rows digest ${manifest.rows_digest.slice(0, 16)}…`,
    `  replay ${replay.status}: ${replay.totals.records} records, ${replay.totals.from_archive} from the Archive, ${replay.totals.from_eb} from the EB, ${replay.totals.mismatches} mismatches`,
    ...replay.slices.map(
      (s) =>
        `    ${s.topic}/${s.partition} ${s.mode}${s.cutover_offset ? ` (Archive up to offset ${s.cutover_offset}, then EB)` : ''}: ${s.counts.records} records`,
    ),
    `  reconstruction: ${draft.totals.duplicates_dropped} duplicate deliveries dropped, ${draft.totals.row_events} row events → ${draft.totals.rows} rows`,
    `  labels ${labels.status}: coverage ${labels.coverage.toFixed(3)} (policy ≥ ${Math.min(...Object.values(labels.policy.min_coverage_by_label_type ?? { _: labels.policy.min_label_coverage }))}), conflict ratio ${labels.conflict_ratio.toFixed(3)} (≤ ${labels.policy.max_conflict_ratio}), as of ${labels.label_asof_utc}`,
    `same request again → run ${repeat.run.run_key}: ${repeat.run.state} ${repeat.created ? '(new run?)' : '(idempotent: the same run)'}`,
    `same meaning, request ${second.run.request_id} → run ${second.run.run_key}: ${second.run.state} ${second.run.outcome ?? ''}` +
      (second.run.manifest_key === run.manifest_key ? ' (the same manifest)' : ` (manifest ${second.run.manifest_key})`),
  );
  let rows = 0;
  for await (const _row of readDataset(run.manifest_key, { store: corridor.store, signal })) rows++;
  const verified = rows === manifest.rows_total;
  lines.push(
    verified
      ? `verify: ${rows} rows re-read; the evidence chain, every part digest and the rows digest match`
      : `verify FAILED: read ${rows} rows, the manifest says ${manifest.rows_total}`,
  );
  const flags = `--dir ${shellWord(relative(ctx.io.cwd, dir) || '.')}`;
  ctx.progress('writing the dataset card');
  const cardFile = join(dir, 'card.html');
  await writeDatasetCard(run.manifest_key, cardFile, { store: corridor.store, signal });
  lines.push(
    `card: ${shellWord(relative(ctx.io.cwd, cardFile))} (open it in a browser; \`${ctx.ofs} card <manifest> --out <file>\` writes it again)`,
  );
  json.card = cardFile;
  lines.push(
    `next: ${ctx.ofs} inspect ${run.manifest_key} ${flags}`,
    `      ${ctx.ofs} status ${run.run_key} ${flags}`,
    `      ${ctx.ofs} verify ${run.manifest_key} ${flags}`,
  );
  json.next = [
    `${ctx.ofs} inspect ${run.manifest_key} ${flags}`,
    `${ctx.ofs} status ${run.run_key} ${flags}`,
    `${ctx.ofs} verify ${run.manifest_key} ${flags}`,
  ];
  json.manifest_key = run.manifest_key;
  json.manifest = {
    status_class: manifest.status_class,
    rows_total: manifest.rows_total,
    parts: manifest.parts.length,
    rows_digest: manifest.rows_digest,
  };
  json.replay = {
    status: replay.status,
    counts: replay.totals,
    slices: replay.slices.map((s) => ({ topic: s.topic, partition: s.partition, mode: s.mode, cutover_offset: s.cutover_offset })),
  };
  json.labels = { status: labels.status, coverage: labels.coverage, conflict_ratio: labels.conflict_ratio, counts: labels.counts };
  json.draft = draft.totals;
  json.verified = verified;
  const ok = verified && second.run.state === 'DONE' && second.run.manifest_key === run.manifest_key && repeat.run.run_key === run.run_key;
  return { exitCode: ok ? EXIT.OK : EXIT.FAILED, json, text: lines };
}

/** `ofs demo [--dir D] [--events N]`. */
export const demoCommand: CliCommand = {
  name: 'demo',
  args: '',
  summary:
    'generate a realistic sample (topics, partitions, EB→Archive cutover, duplicates, late and conflicting labels), build it, summarise',
  positionals: { min: 0, max: 0 },
  options: {
    events: { type: 'string', help: `<n> events to generate (default ${DEFAULT_DEMO_EVENTS}, at least 100)` },
    seed: { type: 'string', help: '<n> seed of the generator (default 20261101)' },
    bus: { type: 'string', help: '<segments|nats> where the build reads the EB events (default segments)' },
    'nats-url': {
      type: 'string',
      help: '<url> NATS server with JetStream for --bus nats (default $OFS_NATS_URL or nats://127.0.0.1:4222)',
    },
    threads: THREADS_OPTION,
  },
  async run(ctx) {
    const events = intOption(ctx, 'events', DEFAULT_DEMO_EVENTS, 100);
    const seed = intOption(ctx, 'seed', 20261101, 0);
    const busName = ctx.values.bus ?? 'segments';
    if (busName !== 'segments' && busName !== 'nats') {
      throw new OfsError('CLI_ARGUMENT_INVALID', { message: `--bus must be segments or nats, got "${String(busName)}"` });
    }
    const bus =
      busName === 'nats'
        ? { kind: 'nats' as const, servers: String(ctx.values['nats-url'] ?? process.env.OFS_NATS_URL ?? 'nats://127.0.0.1:4222') }
        : { kind: 'segments' as const };
    const layout = corridorLayout(ctx.dir);
    let marker = await existingDemo(layout.dir, { events, seed, bus });
    if (!marker) {
      ctx.progress(`generating ${events} events into ${layout.dir}`);
      await mkdir(layout.dir, { recursive: true });
      await writeDemoConfig(layout, bus);
    } else ctx.progress(`reusing the demo data in ${layout.dir}`);
    return withCorridor(ctx, async (corridor) => {
      if (!marker) {
        marker = await writeDemoData(
          layout.dir,
          { store: corridor.store, labels: corridor.labels, codeReleaseId: corridor.pins.codeReleaseId },
          { events, seed, bus },
          ctx.progress,
        );
      }
      if (!marker) throw new OfsError('INTERNAL_ERROR', { message: 'demo data missing' });
      return runDemo(ctx, corridor, marker);
    });
  },
};
