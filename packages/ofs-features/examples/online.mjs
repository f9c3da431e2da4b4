// Runnable: `node packages/ofs-features/examples/online.mjs` after `pnpm turbo run build --filter @ofs/features`.
import { createOnlineFeatures, DEMO_TOPIC, resolvedDemoFeatureProfile } from '@ofs/features';

const online = createOnlineFeatures(resolvedDemoFeatureProfile());
const pay = (offset, card, merchant, amount, ts) => ({
  topic: DEMO_TOPIC,
  partition: 0,
  offset: String(offset),
  event_id: `evt_${offset}`,
  ts_utc: ts,
  payload: { card_id: card, merchant_id: merchant, amount, currency: 'EUR', channel: 'web', country: 'DE' },
});

online.update(pay(1000, 'card_1', 'm_1', '25.00', '2026-11-02T10:00:00Z'));
const values = online.update(pay(1001, 'card_1', 'm_2', '74.50', '2026-11-02T10:20:00Z'));
console.log('features of evt_1001 (as of just before it):', values);

const { snapshot, snapshot_hash } = online.snapshot({ entity: 'card', key: 'card_1' });
console.log('snapshot (ofs.feature_snapshot.v1):', JSON.stringify(snapshot));
console.log('snapshot_hash:', snapshot_hash);
