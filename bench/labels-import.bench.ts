// Bulk import of reference Label Store assertions (issue 14 item 2): a million reference-shaped
// JSON lines (label_assertion_id and payload_hash derived by the reference recipes, provenance
// kept) loaded through `importLabelAssertions` into PGlite (on disk) and the PostgreSQL server
// (OFS_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test). Baseline measured in the
// same run: producing and parsing the same lines without a store (the part no store can avoid).
// Writes bench/results/labels-import.md. Uses the built packages: build @ofs/labels-postgres first.
// LABELS_IMPORT_N (default 1,000,000), LABELS_IMPORT_TARGETS (default "pglite,server").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { fromPgPool, fromPGlite, type SqlClient } from '@ofs/contracts';
import { fromReferenceLabelAssertion, importLabelAssertions } from '@ofs/labels';
import { createPostgresLabelStore } from '@ofs/labels-postgres';
import pg from 'pg';

const N = Number(process.env.LABELS_IMPORT_N ?? 1_000_000);
const TARGETS = (process.env.LABELS_IMPORT_TARGETS ?? 'pglite,server').split(',');
const url = process.env.OFS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN = 'platform_20260201T000000Z';
const PINS = {
  platform_run_id: RUN,
  scenario_run_id: '74bd83db1ad3d1fa136e579115d55429',
  manifest_fingerprint: '2'.repeat(64),
  parameter_hash: '3'.repeat(64),
  scenario_id: 'baseline.v0',
  seed: 42,
};
const TYPES = ['fraud_disposition', 'chargeback_status'] as const;
const VALUES = { fraud_disposition: ['FRAUD_CONFIRMED', 'LEGIT_CONFIRMED'], chargeback_status: ['CHARGEBACK', 'NO_CHARGEBACK'] };
const BASE = Date.UTC(2026, 1, 1);
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** The i-th reference assertion as a JSON line (deterministic; two types, ~2 assertions per event). */
function line(i: number): string {
  const type = TYPES[i % 2]!;
  const observed = BASE + ((i * 7919) % (12 * 86_400)) * 1000;
  const human = i % 3 === 0;
  return JSON.stringify({
    case_timeline_event_id: (i.toString(16).padStart(8, '0') + 'c0ffee00'.repeat(3)).slice(0, 32),
    label_subject_key: { platform_run_id: RUN, event_id: `evt_${String(i >> 1).padStart(7, '0')}` },
    pins: PINS,
    label_type: type,
    label_value: VALUES[type][(i * 31) % 7 === 0 ? 0 : 1],
    effective_time: iso(observed - 3_600_000),
    observed_time: iso(observed),
    source_type: human ? 'HUMAN' : 'AUTO',
    ...(human ? { actor_id: `HUMAN::investigator_${i % 17}` } : {}),
    evidence_refs: [{ ref_type: 'CASE_EVENT', ref_id: `case_evt_${i}` }],
  });
}

function* lines(): Generator<string> {
  for (let i = 0; i < N; i++) yield line(i);
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, (performance.now() - t0) / 1000];
}

const rows: string[] = [];
const load0 = loadavg();

// Baseline: produce, parse and convert every line (reference recipes included), no store.
const [, baseSec] = await time(async () => {
  let n = 0;
  for (const l of lines()) n += fromReferenceLabelAssertion(JSON.parse(l)).assertion_id.length;
  return n;
});
rows.push(
  `| lines produced, parsed, ids derived (no store) | ${N.toLocaleString('en')} | ${baseSec.toFixed(1)} | ${Math.round(N / baseSec).toLocaleString('en')} | 1.00 |`,
);
console.log(rows.at(-1));

async function importInto(name: string, client: SqlClient, schema: string): Promise<void> {
  const store = createPostgresLabelStore({ client, schema });
  await store.stateMarker(); // migrate outside the timing
  const [result, sec] = await time(() => importLabelAssertions(store, lines()));
  const marker = await store.stateMarker();
  if (result.assertions !== N || !marker.includes(`:${N}:`)) throw new Error(`${name}: imported ${result.assertions}, marker ${marker}`);
  rows.push(
    `| import into ${name} | ${N.toLocaleString('en')} | ${sec.toFixed(1)} | ${Math.round(N / sec).toLocaleString('en')} | ${(baseSec / sec).toFixed(2)} |`,
  );
  console.log(rows.at(-1));
}

if (TARGETS.includes('pglite')) {
  const dir = mkdtempSync(join(tmpdir(), 'ofs-labels-import-'));
  const db = new PGlite(dir);
  await db.waitReady;
  try {
    await importInto('PGlite (on disk)', fromPGlite(db), 'bench_import');
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
if (TARGETS.includes('server')) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const schema = `bench_import_${Math.random().toString(36).slice(2, 8)}`;
  try {
    await importInto('PostgreSQL server', fromPgPool(pool), schema);
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}

const load1 = loadavg();
const md = `# Label import (reference assertions)

\`node --import tsx bench/labels-import.bench.ts\` (${new Date().toISOString().slice(0, 10)}), ${cpus().length} cores (${cpus()[0]?.model ?? '?'}),
load average ${load0.map((x) => x.toFixed(1)).join(' / ')} at start, ${load1.map((x) => x.toFixed(1)).join(' / ')} at the end
(a shared machine: other jobs ran at the same time).

Each line is a reference Label Store assertion (subject, pins, type, value, both times, source
type, actor for HUMAN, one evidence ref) without \`label_assertion_id\` or \`payload_hash\`: the import
derives both with the reference recipes and stores the provenance. \`importLabelAssertions\` appends
batches of 20,000 (each atomic) through the store's \`LabelAppender\`; the SQL store inserts
chunks of 5,000 rows, each one JSON parameter expanded by \`json_to_recordset\`. Ratio = baseline time / this row's time (the baseline
is producing, parsing and converting the same lines without any store, measured in the same run).

| what | assertions | seconds | assertions/s | ratio to baseline |
|---|---:|---:|---:|---:|
${rows.join('\n')}
`;
writeFileSync(new URL('./results/labels-import.md', import.meta.url), md);
console.log(md);
