// Runnable example: `node packages/ofs-labels-postgres/examples/pglite.mjs` after `pnpm build`
// (needs the dev dependency @electric-sql/pglite).
import { PGlite } from '@electric-sql/pglite';
import { createPostgresLabelStore, fromPGlite } from '@ofs/labels-postgres';

const db = new PGlite();
const store = createPostgresLabelStore({ client: fromPGlite(db), schema: 'labels' });
const RUN = 'platform_20260210T120000Z';
await store.append([
  {
    platform_run_id: RUN,
    event_id: 'evt_1',
    label_type: 'fraud_disposition',
    value: 'FRAUD_CONFIRMED',
    effective_time: '2026-02-10T09:00:00Z',
    observed_time: '2026-02-10T10:00:00+00:00',
    assertion_id: 'a1',
  },
]);
for await (const a of store.timelines([{ platform_run_id: RUN, event_id: 'evt_1' }], ['fraud_disposition'])) console.log(a);
console.log(await store.stateMarker({ platform_run_id: RUN, observed_at_or_before: '2026-02-10T12:00:00Z' }));
await db.close();
