import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  type Column,
  createMemoryObjectStore,
  type FeatureProfile,
  isOfsError,
  type ObjectStore,
  type OfsPolicy,
  type ReplayRecord,
} from '@ofs/contracts';
import { DEMO_TOPIC, demoFeatureProfile, demoFeatureProfileV2 } from '@ofs/features';
import { canonicalJson, sha256Hex } from '@ofs/ids';
import { afterAll, describe, expect, it } from 'vitest';
import { createParquetPartEncoder, decodeParquetPart } from './parquet-part.js';
import { buildAndPublish } from './pipeline-support.js';
import { readDataset } from './read-dataset.js';
import { at, collect, payment, record, resolved, testPlan, testPolicy } from './test-support.js';
import { verifyDataset } from './verify-dataset.js';

/** fraud-demo@v2 plus typed projections of a timestamp, an int64, a boolean and a JSON object. */
const typedProfile: FeatureProfile = {
  ...demoFeatureProfileV2,
  feature_set_version: 'v2-test',
  features: [
    ...demoFeatureProfileV2.features,
    { name: 'paid_at', kind: 'field', path: 'paid_at', type: { type: 'timestamp', unit: 'us' } },
    { name: 'qty', kind: 'field', path: 'qty', type: { type: 'int64' } },
    { name: 'card_qty_max_24h', kind: 'window', entity: 'card', aggregate: 'max', path: 'qty', window_seconds: 86400 },
    { name: 'card_qty_sum_24h', kind: 'window', entity: 'card', aggregate: 'sum', path: 'qty', window_seconds: 86400 },
    { name: 'present', kind: 'field', path: 'present', type: { type: 'boolean' } },
    { name: 'meta', kind: 'field', path: 'meta', type: { type: 'json' } },
  ],
};

const CARDS = ['c1', 'c2', 'c3', 'c4'];
function events(n: number, partition = 0, offsetBase = 0): ReplayRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + partition * 1000;
    const extra: Record<string, unknown> = {
      paid_at: `2026-02-10T0${k % 10}:00:0${k % 10}.${String((k * 7919) % 1_000_000).padStart(6, '0')}+01:00`,
      qty: k % 5 === 0 ? null : k * 3 - 40,
      present: k % 2 === 0,
      meta: k % 3 === 0 ? { tags: ['a', `t${k}`], n: k } : null,
    };
    if (k % 7 === 0) delete extra.qty; // absent → null
    // Amounts with 0, 1 or 2 decimals, some negative: typed as decimal(18,2).
    const amount = k % 4 === 0 ? `${k}` : k % 4 === 1 ? `${k}.5` : k % 4 === 2 ? `-${k}.25` : `0.0${k % 10}`;
    return record(offsetBase + i, `evt_${partition}_${i}`, at(k * 3), payment(CARDS[k % 4] as string, `m${k % 3}`, amount, extra), {
      partition,
    });
  });
}

const slices = [
  { topic: DEMO_TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '59' },
  { topic: DEMO_TOPIC, partition: 1, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '39' },
];
const EB = [...events(60, 0), ...events(40, 1)];

async function build(policy: OfsPolicy, profile: FeatureProfile = typedProfile, store: ObjectStore = createMemoryObjectStore()) {
  const p = resolved(profile, `${profile.feature_set_id}.${profile.feature_set_version}.json`);
  const plan = testPlan({ slices, policy, profile: p, training: 'NON_TRAINING' });
  const { published } = await buildAndPublish({ plan, policy, profile: p, eb: EB, store });
  return { store, plan, ...published };
}

const parquetPolicy = testPolicy({ revision: 'pq', part_rows: 32, part_format: 'parquet', part_compression: 'zstd', row_group_rows: 16 });
const jsonlPolicy = testPolicy({ revision: 'jl', part_rows: 32, part_format: 'jsonl' });

describe('Parquet parts with typed columns', () => {
  it('a Parquet and a JSONL build of the same rows: same rows_digest and rows, different parts; manifest v2 records format and types', async () => {
    const pq = await build(parquetPolicy);
    const jl = await build(jsonlPolicy);
    expect(pq.manifest.schema_version).toBe('learning.dataset_manifest.v2');
    expect(pq.manifest).toMatchObject({
      part_format: { format: 'parquet', compression: 'zstd', row_group_rows: 16, writer: 'hyparquet-writer@0.17.0+zstd-wasm@0.0.27' },
    });
    expect(jl.manifest).toMatchObject({ schema_version: 'learning.dataset_manifest.v2', part_format: { format: 'jsonl' } });
    expect(pq.manifest.rows_total).toBe(100);
    expect(pq.manifest.rows_digest).toBe(jl.manifest.rows_digest);
    expect(pq.manifest.parts.every((p) => p.key.endsWith(`${p.sha256}.parquet`))).toBe(true);
    expect(jl.manifest.parts.every((p) => p.key.endsWith('.jsonl'))).toBe(true);
    expect(pq.manifest.parts.map((p) => p.sha256)).not.toEqual(jl.manifest.parts.map((p) => p.sha256));
    // Parquet is much smaller than JSONL here too.
    expect(pq.manifest.bytes_total * 2).toBeLessThan(jl.manifest.bytes_total);

    const types = Object.fromEntries(pq.manifest.columns.map((c) => [c.name, c]));
    expect(types.amount).toMatchObject({ type: 'decimal', precision: 18, scale: 2 });
    expect(types.card_amount_sum_24h).toMatchObject({ type: 'decimal', precision: 38, scale: 2 });
    expect(types.card_amount_mean_24h).toMatchObject({ type: 'decimal', precision: 38, scale: 6 });
    expect(types.card_amount_max_24h).toMatchObject({ type: 'decimal', precision: 18, scale: 2 });
    expect(types.card_txn_count_1h).toMatchObject({ type: 'int64' });
    expect(types.card_qty_sum_24h).toMatchObject({ type: 'decimal', precision: 38, scale: 0 });
    expect(types.card_qty_max_24h).toMatchObject({ type: 'int64' });
    expect(types.paid_at).toMatchObject({ type: 'timestamp', unit: 'us' });
    expect(types.label_fraud_disposition).toMatchObject({ type: 'string' });
    expect(types.partition).toMatchObject({ type: 'int64' });

    const pqRows = await collect(readDataset(pq.manifestKey, { store: pq.store }));
    const jlRows = await collect(readDataset(jl.manifestKey, { store: jl.store }));
    expect(pqRows).toEqual(jlRows);
    expect(pqRows.map((r) => canonicalJson(r))).toEqual(jlRows.map((r) => canonicalJson(r)));
    const first = pqRows[1] as Record<string, unknown>;
    expect(first.amount).toBe('1.50');
    expect(first.paid_at).toMatch(/^2026-02-10T00:00:01\.\d{6}Z$/);
    expect(typeof first.card_txn_count_24h).toBe('number');
    expect(pqRows.find((r) => r.meta !== null)?.meta).toEqual({ tags: ['a', 't0'], n: 0 });

    await expect(verifyDataset(pq.manifestKey, { store: pq.store })).resolves.toMatchObject({ rows: 100 });
  });

  it('the same plan built twice gives byte-identical Parquet parts and manifest', async () => {
    const a = await build(parquetPolicy);
    const b = await build(parquetPolicy);
    expect(await a.store.get(a.manifestKey)).toEqual(await b.store.get(b.manifestKey));
    for (const part of a.manifest.parts) expect(await a.store.get(part.key)).toEqual(await b.store.get(part.key));
  });

  it('one part is a pure function of its rows: golden bytes, in this process and in another one', async () => {
    const columns: Column[] = [
      { name: 'a', type: 'decimal', precision: 18, scale: 2, nullable: true, source: 'feature' },
      { name: 'b', type: 'decimal', precision: 38, scale: 6, nullable: true, source: 'feature' },
      { name: 'c', type: 'int64', nullable: false, source: 'event' },
      { name: 'd', type: 'json', nullable: true, source: 'feature' },
      { name: 'e', type: 'string', nullable: true, source: 'label' },
      { name: 'f', type: 'timestamp', unit: 'ms', nullable: true, source: 'feature' },
    ];
    const rows = [
      { a: '-12.50', b: '0.000001', c: 1, d: { x: [1, 'é'] }, e: 'LEGIT', f: '2026-02-10T00:00:00.123Z' },
      { a: null, b: '-99999999999999999999999999999999.999999', c: -9007199254740991, d: null, e: null, f: null },
      { a: '0.00', b: '12.000000', c: 9007199254740991, d: 'text', e: 'ü\n"', f: '1969-12-31T23:59:59.999Z' },
    ];
    const lines = new TextEncoder().encode(rows.map((r) => `${canonicalJson(r)}\n`).join(''));
    const encoder = await createParquetPartEncoder(columns, { format: 'parquet', compression: 'zstd', row_group_rows: 2 });
    const bytes = encoder.encode(lines, rows.length);
    expect(sha256Hex(bytes)).toBe(GOLDEN_PART_SHA256);
    expect(await decodeParquetPart(bytes, columns, 'golden')).toEqual(rows);
    // A second process (fresh WASM instance, fresh module state) writes the same bytes.
    const script = [
      `import { createParquetPartEncoder } from ${JSON.stringify(new URL('./parquet-part.ts', import.meta.url).href)};`,
      `import { createHash } from 'node:crypto';`,
      `const columns = ${JSON.stringify(columns)};`,
      `const lines = new TextEncoder().encode(${JSON.stringify(new TextDecoder().decode(lines))});`,
      `const e = await createParquetPartEncoder(columns, { format: 'parquet', compression: 'zstd', row_group_rows: 2 });`,
      `process.stdout.write(createHash('sha256').update(e.encode(lines, ${rows.length})).digest('hex'));`,
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe(GOLDEN_PART_SHA256);
  });

  it('a value that does not fit its declared type fails the build (never rounds)', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['amount', { amount: '1.005' }],
      ['amount', { amount: '12345678901234567.5' }],
      ['qty', { qty: 2 ** 53 }],
      ['qty', { qty: 1.5 }],
      ['paid_at', { paid_at: '2026-02-10T00:00:00.1234567Z' }],
      ['present', { present: 'yes' }],
      ['currency', { currency: 978 }],
    ];
    for (const [column, patch] of cases) {
      const eb = [record(0, 'evt_bad', at(1), { ...payment('c1', 'm1', '1.00'), ...patch })];
      const policy = parquetPolicy;
      const p = resolved(typedProfile, 'typed.json');
      const plan = testPlan({
        slices: [{ ...(slices[0] as (typeof slices)[0]), end_offset: '0' }],
        policy,
        profile: p,
        training: 'NON_TRAINING',
      });
      const error = await buildAndPublish({ plan, policy, profile: p, eb, store: createMemoryObjectStore() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isOfsError(error, 'COLUMN_VALUE_OUT_OF_TYPE'), `${column} ${JSON.stringify(patch)}`).toBe(true);
      expect((error as { details: { column: string } }).details.column).toBe(column);
    }
  });

  it('a v1 profile under an old policy (no part_format) keeps JSONL parts and a v1 manifest; with Parquet its json columns round-trip', async () => {
    const old = await build(testPolicy({ part_rows: 32 }), demoFeatureProfile);
    expect(old.manifest.schema_version).toBe('learning.dataset_manifest.v1');
    expect(old.manifest.columns.find((c) => c.name === 'amount')?.type).toBe('json');
    const pq = await build(parquetPolicy, demoFeatureProfile);
    expect(pq.manifest.rows_digest).toBe(old.manifest.rows_digest);
    expect(await collect(readDataset(pq.manifestKey, { store: pq.store }))).toEqual(
      await collect(readDataset(old.manifestKey, { store: old.store })),
    );
  });

  it('verify finds a Parquet part that was replaced by another valid Parquet file of other rows', async () => {
    const pq = await build(parquetPolicy);
    const part = pq.manifest.parts[0] as { key: string };
    const other = pq.manifest.parts[1] as { key: string };
    const swapped: ObjectStore = {
      ...pq.store,
      get: (key, o) => pq.store.get(key === part.key ? other.key : key, o),
      list: (p, o) => pq.store.list(p, o),
      putIfAbsent: (k, b, o) => pq.store.putIfAbsent(k, b, o),
    };
    await expect(verifyDataset(pq.manifestKey, { store: swapped })).rejects.toMatchObject({ code: 'DATASET_INTEGRITY_VIOLATION' });
  });
});

describe('DuckDB reads a published Parquet dataset through its manifest', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('read_parquet([...parts of the manifest]) gives the same rows, types and rows_total', async () => {
    const pq = await build(parquetPolicy);
    const dir = await mkdtemp(join(tmpdir(), 'ofs-duckdb-'));
    dirs.push(dir);
    const paths: string[] = [];
    for (const part of pq.manifest.parts) {
      const path = join(dir, part.key.split('/').join('_'));
      await writeFile(path, (await pq.store.get(part.key)) as Uint8Array);
      paths.push(path);
    }
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const list = paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ');
    const count = await con.runAndReadAll(`select count(*)::integer from read_parquet([${list}])`);
    expect(count.getRowsJS()[0]?.[0]).toBe(pq.manifest.rows_total);
    const types = await con.runAndReadAll(
      `select typeof(amount), typeof(card_amount_mean_24h), typeof(paid_at), typeof(card_txn_count_1h), typeof(present) from read_parquet([${list}]) limit 1`,
    );
    expect(types.getRowsJS()[0]).toEqual(['DECIMAL(18,2)', 'DECIMAL(38,6)', 'TIMESTAMP WITH TIME ZONE', 'BIGINT', 'BOOLEAN']);
    const reader = await con.runAndReadAll(
      `select event_id, amount::varchar, card_amount_mean_24h::varchar, strftime(paid_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), qty, meta
       from read_parquet([${list}])`,
    );
    const ours = await collect(readDataset(pq.manifestKey, { store: pq.store }));
    const theirs = reader.getRowsJS().map(([id, amount, mean, paid, qty, meta]) => ({
      event_id: id,
      amount,
      card_amount_mean_24h: mean,
      paid_at: paid,
      qty: qty === null ? null : Number(qty),
      meta: meta === null ? null : JSON.parse(meta as string),
    }));
    expect(theirs).toEqual(
      ours.map((r) => ({
        event_id: r.event_id,
        amount: r.amount,
        card_amount_mean_24h: r.card_amount_mean_24h,
        paid_at: r.paid_at,
        qty: r.qty,
        meta: r.meta,
      })),
    );
    con.closeSync();
  });
});

/** sha256 of the golden part above; a change means the writer, its settings or the column mapping changed (a new writer string). */
const GOLDEN_PART_SHA256 = '0915ef95dc91aa15a75338bc6459f9eed226a2bc617faf3ba4eab6ecb49af2e6';
