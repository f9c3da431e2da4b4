import { applySqlMigrations, instantSortKey, isOfsError, type LabelAssertion, type SqlClient } from '@ofs/contracts';
import { sampleReferenceLabelAssertion } from '@ofs/contracts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelDdlV0 } from './fixtures/label-ddl-v0.js';
import { createPostgresLabelStore, labelStoreMigrations, migrateLabelStore } from './postgres-label-store.js';
import { pgliteClient, serverClient, uniqueSchema } from './test-support.js';

const assertion = (id: string, observed: string): LabelAssertion => ({
  platform_run_id: 'platform_x',
  event_id: `e_${id}`,
  label_type: 'fraud',
  value: id.endsWith('1') ? 'FRAUD' : 'LEGIT',
  effective_time: '2026-01-01T00:00:00Z',
  observed_time: observed,
  assertion_id: `a_${id}`,
});

/** A label table as the release before migrations left it, with two labels in it. */
async function seedV0(client: SqlClient, schema: string): Promise<void> {
  for (const statement of labelDdlV0(schema)) await client.query(statement);
  for (const a of [assertion('01', '2026-01-02T00:00:00Z'), assertion('02', '2026-01-03T00:00:00+01:00')]) {
    await client.query(
      `INSERT INTO "${schema}".ofs_label_assertions (assertion_id, platform_run_id, event_id, label_type, value_json, effective_time, observed_time, observed_key, committed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)`,
      [
        a.assertion_id,
        a.platform_run_id,
        a.event_id,
        a.label_type,
        JSON.stringify(a.value),
        a.effective_time,
        a.observed_time,
        instantSortKey(a.observed_time),
      ],
    );
  }
}

async function versions(client: SqlClient, schema: string): Promise<number[]> {
  const { rows } = await client.query<{ version: number }>(
    `SELECT version FROM "${schema}".ofs_schema_migrations WHERE component = 'labels' ORDER BY version`,
  );
  return rows.map((r) => Number(r.version));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
  return 'resolved';
}

async function collect(iterable: AsyncIterable<LabelAssertion>): Promise<LabelAssertion[]> {
  const out: LabelAssertion[] = [];
  for await (const a of iterable) out.push(a);
  return out.sort((a, b) => (a.assertion_id < b.assertion_id ? -1 : 1));
}

function describeLabelMigrations(name: string, open: () => { client: SqlClient; schema: () => string }): void {
  describe(`label store migrations: ${name}`, () => {
    it('adopts a table created before migrations, migrates it to version 2 and keeps its labels (no provenance)', async () => {
      const { client, schema: next } = open();
      const schema = next();
      await seedV0(client, schema);
      const store = createPostgresLabelStore({ client, schema });
      const subjects = [
        { platform_run_id: 'platform_x', event_id: 'e_01' },
        { platform_run_id: 'platform_x', event_id: 'e_02' },
      ];
      expect(await collect(store.timelines(subjects, ['fraud']))).toEqual([
        assertion('01', '2026-01-02T00:00:00Z'),
        assertion('02', '2026-01-03T00:00:00+01:00'),
      ]);
      expect(await versions(client, schema)).toEqual([1, 2]);
      await store.append([assertion('03', '2026-01-04T00:00:00Z')]);
      expect(await store.stateMarker()).toMatch(/^postgres:v1:3:/);
      // Old rows stay as they were; a reference assertion appended after the upgrade keeps its provenance.
      await store.append([
        sampleReferenceLabelAssertion({
          label_subject_key: { platform_run_id: 'platform_x', event_id: 'e_01' },
          pins: { platform_run_id: 'platform_x' },
        }),
      ]);
      const after = await collect(store.timelines(subjects.slice(0, 1), ['fraud', 'fraud_disposition']));
      expect(after.map((a) => [a.assertion_id, a.provenance?.source_type ?? null])).toEqual([
        [expect.stringMatching(/^[0-9a-f]{32}$/), 'HUMAN'],
        ['a_01', null],
      ]);
    });

    it('migration 2 on a version-1 database keeps every row and adds provenance', async () => {
      const { client, schema: next } = open();
      const schema = next();
      await seedV0(client, schema);
      await applySqlMigrations(client, {
        schema: `"${schema}"`,
        component: 'labels',
        migrations: labelStoreMigrations(schema).slice(0, 1),
      });
      expect(await versions(client, schema)).toEqual([1]);
      await migrateLabelStore(client, schema);
      expect(await versions(client, schema)).toEqual([1, 2]);
      const { rows } = await client.query<{ n: string; p: string }>(
        `SELECT count(*)::text AS n, count(provenance_json)::text AS p FROM "${schema}".ofs_label_assertions`,
      );
      expect(rows[0]).toEqual({ n: '2', p: '0' });
    });

    it('applies each migration once under concurrent starters', async () => {
      const { client, schema: next } = open();
      for (const seed of [false, true]) {
        const schema = next();
        if (seed) await seedV0(client, schema);
        await Promise.all(Array.from({ length: 6 }, () => migrateLabelStore(client, schema)));
        expect(await versions(client, schema)).toEqual([1, 2]);
      }
    });

    it('refuses a database migrated by a newer release with DATABASE_SCHEMA_TOO_NEW', async () => {
      const { client, schema: next } = open();
      const schema = next();
      await migrateLabelStore(client, schema);
      await client.query(
        `INSERT INTO "${schema}".ofs_schema_migrations (component, version, name) VALUES ('labels', 3, 'from_the_future')`,
      );
      expect(await codeOf(migrateLabelStore(client, schema))).toBe('DATABASE_SCHEMA_TOO_NEW');
      expect(await codeOf(createPostgresLabelStore({ client, schema }).stateMarker())).toBe('DATABASE_SCHEMA_TOO_NEW');
    });
  });
}

let lite: Awaited<ReturnType<typeof pgliteClient>>;
beforeAll(async () => {
  lite = await pgliteClient();
});
afterAll(async () => {
  await lite.close();
});
describeLabelMigrations('PGlite', () => ({ client: lite.client, schema: uniqueSchema }));

const url = process.env.OFS_TEST_PG_URL;
if (!url) console.warn('@ofs/labels-postgres server migration tests skipped: set OFS_TEST_PG_URL');
describe.skipIf(!url)('server', () => {
  const server = serverClient(url ?? 'postgres://unused');
  afterAll(() => server.close());
  describeLabelMigrations('PostgreSQL server', () => server);
});
