import {
  type AbortOptions,
  type AppendableLabelStore,
  applySqlMigrations,
  assertLabelAssertions,
  instantSortKey,
  type LabelAssertion,
  type LabelAssertionInput,
  type LabelProvenance,
  type LabelStateMarkerOptions,
  type LabelSubjectKey,
  OfsError,
  type SqlClient,
  type SqlMigration,
  type SqlMigrationResult,
  type SqlQueryable,
  sameLabelAssertion,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { toLabelAssertions } from '@ofs/labels';

/** Options of `createPostgresLabelStore`. */
export interface PostgresLabelStoreOptions {
  /** The SQL connection: `fromPGlite(db)` (embedded) or `fromPgPool(pool)` (server). */
  client: SqlClient;
  /** PostgreSQL schema that holds the `ofs_label_assertions` table (created if absent). Default `public`. */
  schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Rows per INSERT statement when appending. */
const APPEND_CHUNK = 5_000;

interface Row {
  assertion_id: string;
  platform_run_id: string;
  event_id: string;
  label_type: string;
  value_json: string;
  effective_time: string;
  observed_time: string;
  committed_at: string | null;
  provenance_json: string | null;
}

/**
 * The label store's forward-only migrations (DESIGN §12). Version 1 is the table every release
 * before versioned migrations created (idempotent DDL, so such a database is adopted as version 1
 * with its labels). Version 2 adds `provenance_json` (source type, actor, evidence refs of
 * reference Label Store assertions); rows written before it keep NULL, i.e. no provenance.
 */
export function labelStoreMigrations(schema = 'public'): readonly SqlMigration[] {
  return [
    {
      version: 1,
      name: 'label_assertions',
      async up(tx) {
        for (const statement of labelStoreDdl(schema).slice(1)) await tx.query(statement);
      },
    },
    {
      version: 2,
      name: 'label_provenance',
      async up(tx) {
        await tx.query(`ALTER TABLE "${schema}".ofs_label_assertions ADD COLUMN IF NOT EXISTS provenance_json text`);
      },
    },
  ];
}

/**
 * The DDL of the label table in `schema` (idempotent) — migration 1 without its bookkeeping.
 * @deprecated Since migrations: call `migrateLabelStore(client, schema)`, which also records the
 * version and refuses a newer database.
 */
export function labelStoreDdl(schema = 'public'): string[] {
  const t = `"${schema}".ofs_label_assertions`;
  return [
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    `CREATE TABLE IF NOT EXISTS ${t} (
      seq bigint GENERATED ALWAYS AS IDENTITY,
      assertion_id text PRIMARY KEY,
      platform_run_id text NOT NULL,
      event_id text NOT NULL,
      label_type text NOT NULL,
      value_json text NOT NULL,
      effective_time text NOT NULL,
      observed_time text NOT NULL,
      observed_key text NOT NULL,
      committed_at text
    )`,
    `CREATE INDEX IF NOT EXISTS ofs_label_assertions_subject ON ${t} (platform_run_id, event_id, label_type)`,
  ];
}

/** The label store's latest schema version (the number of its migrations). */
export const LABEL_STORE_SCHEMA_VERSION = 2;

/**
 * Brings the label table in `schema` to `LABEL_STORE_SCHEMA_VERSION` (each pending migration once,
 * under a lock, safe from many processes at once). A database migrated by a newer release is
 * refused with `DATABASE_SCHEMA_TOO_NEW`; a driver failure is `LABEL_STORE_UNAVAILABLE`.
 */
export async function migrateLabelStore(client: SqlClient, schema = 'public', options?: AbortOptions): Promise<SqlMigrationResult> {
  if (!SCHEMA_NAME.test(schema)) {
    throw new OfsError('SCHEMA_INVALID', { message: `schema must match ${SCHEMA_NAME}, got ${JSON.stringify(schema)}` });
  }
  try {
    return await applySqlMigrations(
      client,
      { schema: `"${schema}"`, component: 'labels', migrations: labelStoreMigrations(schema) },
      options,
    );
  } catch (error) {
    throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'migrating the label tables');
  }
}

function toAssertion(row: Row): LabelAssertion {
  const a: LabelAssertion = {
    platform_run_id: row.platform_run_id,
    event_id: row.event_id,
    label_type: row.label_type,
    value: JSON.parse(row.value_json) as LabelAssertion['value'],
    effective_time: row.effective_time,
    observed_time: row.observed_time,
    assertion_id: row.assertion_id,
  };
  if (row.committed_at !== null) a.committed_at = row.committed_at;
  if (row.provenance_json !== null) a.provenance = JSON.parse(row.provenance_json) as LabelProvenance;
  return a;
}

const COLUMNS =
  'assertion_id, platform_run_id, event_id, label_type, value_json, effective_time, observed_time, committed_at, provenance_json';

/**
 * The label store in SQL on an injected `SqlClient` (PGlite or a PostgreSQL server). One table,
 * indexed by subject; `timelines` is one set-based query per batch (subjects passed as two
 * arrays and joined with `unnest`), never one query per subject. Raw timestamp spellings are
 * kept; a fixed-width UTC key of `observed_time` serves scoped state markers.
 */
export function createPostgresLabelStore({ client, schema = 'public' }: PostgresLabelStoreOptions): AppendableLabelStore {
  if (!SCHEMA_NAME.test(schema)) {
    throw new OfsError('SCHEMA_INVALID', { message: `schema must match ${SCHEMA_NAME}, got ${JSON.stringify(schema)}` });
  }
  const table = `"${schema}".ofs_label_assertions`;
  let ready: Promise<void> | undefined;

  async function ensureTable(): Promise<void> {
    ready ??= migrateLabelStore(client, schema).then(
      () => undefined,
      (error: unknown) => {
        ready = undefined;
        throw error;
      },
    );
    return ready;
  }

  async function insertChunk(tx: SqlQueryable, chunk: readonly LabelAssertion[]): Promise<Set<string>> {
    // One JSON text parameter (an array of flat objects) expanded by `json_to_recordset`: the
    // database parses it natively, the client skips pg's per-element array escaping, and each
    // row is parsed once (see bench/results/labels-import.md and D101).
    const rows: Record<string, string | null>[] = new Array(chunk.length);
    for (let k = 0; k < chunk.length; k++) {
      const a = chunk[k]!;
      rows[k] = {
        i: a.assertion_id,
        r: a.platform_run_id,
        e: a.event_id,
        t: a.label_type,
        v: JSON.stringify(a.value),
        ef: a.effective_time,
        ob: a.observed_time,
        ok: instantSortKey(a.observed_time)!,
        c: a.committed_at ?? null,
        p: a.provenance === undefined ? null : JSON.stringify(a.provenance),
      };
    }
    const result = await tx.query<{ assertion_id: string }>(
      `INSERT INTO ${table} (assertion_id, platform_run_id, event_id, label_type, value_json, effective_time, observed_time, observed_key, committed_at, provenance_json)
       SELECT i, r, e, t, v, ef, ob, ok, c, p
       FROM json_to_recordset($1::json) AS x(i text, r text, e text, t text, v text, ef text, ob text, ok text, c text, p text)
       ON CONFLICT (assertion_id) DO NOTHING
       RETURNING assertion_id`,
      [JSON.stringify(rows)],
    );
    return new Set(result.rows.map((r) => r.assertion_id));
  }

  return {
    async *timelines(subjects: readonly LabelSubjectKey[], labelTypes: readonly string[], options?: AbortOptions) {
      throwIfAborted(options?.signal);
      if (subjects.length === 0 || labelTypes.length === 0) return;
      let rows: Row[];
      try {
        await ensureTable();
        const result = await client.query<Row>(
          `SELECT ${COLUMNS} FROM ${table} a
           WHERE (a.platform_run_id, a.event_id) IN (SELECT r, e FROM unnest($1::text[], $2::text[]) AS s(r, e))
             AND a.label_type = ANY($3::text[])`,
          [subjects.map((s) => s.platform_run_id), subjects.map((s) => s.event_id), [...labelTypes]],
          options,
        );
        rows = result.rows;
      } catch (error) {
        throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'reading label timelines');
      }
      for (const row of rows) yield toAssertion(row);
    },

    async stateMarker(options?: LabelStateMarkerOptions) {
      throwIfAborted(options?.signal);
      const where: string[] = [];
      const params: string[] = [];
      if (options?.platform_run_id !== undefined) {
        params.push(options.platform_run_id);
        where.push(`platform_run_id = $${params.length}`);
      }
      if (options?.observed_at_or_before !== undefined) {
        const key = instantSortKey(options.observed_at_or_before);
        if (key === undefined) {
          throw new OfsError('LABEL_TIMESTAMP_INVALID', {
            message: `observed_at_or_before is not an RFC 3339 instant with a zone: ${options.observed_at_or_before}`,
          });
        }
        params.push(key);
        where.push(`observed_key <= $${params.length}`);
      }
      try {
        await ensureTable();
        const result = await client.query<{ n: string; h: string | null }>(
          `SELECT count(*)::text AS n, md5(coalesce(string_agg(assertion_id, E'\\n' ORDER BY assertion_id COLLATE "C"), '')) AS h
           FROM ${table} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}`,
          params,
          options,
        );
        const row = result.rows[0]!;
        return `postgres:v1:${row.n}:${row.h}`;
      } catch (error) {
        throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'reading the label store state marker');
      }
    },

    async append(inputs: readonly LabelAssertionInput[], options?: AbortOptions) {
      throwIfAborted(options?.signal);
      const assertions = assertLabelAssertions(toLabelAssertions(inputs));
      const fresh = new Map<string, LabelAssertion>();
      for (const a of assertions) {
        const seen = fresh.get(a.assertion_id);
        if (seen !== undefined && !sameLabelAssertion(seen, a)) throw conflict(a, seen);
        fresh.set(a.assertion_id, a);
      }
      if (fresh.size === 0) return;
      const all = [...fresh.values()];
      try {
        await ensureTable();
        await client.transaction(async (tx) => {
          for (let start = 0; start < all.length; start += APPEND_CHUNK) {
            const chunk = all.slice(start, start + APPEND_CHUNK);
            const inserted = await insertChunk(tx, chunk);
            const existing = chunk.filter((a) => !inserted.has(a.assertion_id));
            if (existing.length === 0) continue;
            const stored = await tx.query<Row>(`SELECT ${COLUMNS} FROM ${table} WHERE assertion_id = ANY($1::text[])`, [
              existing.map((a) => a.assertion_id),
            ]);
            const byId = new Map(stored.rows.map((r) => [r.assertion_id, toAssertion(r)]));
            for (const a of existing) {
              const old = byId.get(a.assertion_id);
              if (old === undefined || !sameLabelAssertion(old, a)) throw conflict(a, old);
            }
          }
        }, options);
      } catch (error) {
        throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'appending label assertions');
      }
    },
  };
}

function conflict(a: LabelAssertion, existing: LabelAssertion | undefined): OfsError {
  return new OfsError('LABEL_ASSERTION_CONFLICT', {
    message: `assertion ${a.assertion_id} already exists with other content`,
    details: { assertion_id: a.assertion_id, existing: existing === undefined ? null : { ...existing }, appended: { ...a } },
  });
}
