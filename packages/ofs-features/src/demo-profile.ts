import type { FeatureProfile, ResolvedFeatureProfile } from '@ofs/contracts';
import { digestOf } from '@ofs/ids';

/** The topic of the demo's card payment events. */
export const DEMO_TOPIC = 'fp.bus.traffic.fraud.v1';

/**
 * The demo feature profile `fraud-demo@v1` (also shipped as `profiles/fraud-demo.v1.json`):
 * card and merchant velocity (counts over 1 h and 24 h), amount features (sum, mean, max and
 * previous amount over 24 h), distinct merchants per card over 24 h, and projections of
 * `amount`, `currency`, `channel`, `country`. Events are card payments on
 * `fp.bus.traffic.fraud.v1` with payload `{ card_id, merchant_id, amount: "123.45", currency,
 * channel, country }` (see the README).
 */
export const demoFeatureProfile: FeatureProfile = {
  schema_version: 'learning.ofs_feature_profile.v1',
  feature_set_id: 'fraud-demo',
  feature_set_version: 'v1',
  description: 'Card and merchant velocity and amount features over card payment events (topic fp.bus.traffic.fraud.v1).',
  entities: { card: 'card_id', merchant: 'merchant_id' },
  row_topics: [DEMO_TOPIC],
  features: [
    { name: 'amount', kind: 'field', path: 'amount', description: 'Transaction amount as sent (decimal string).' },
    { name: 'currency', kind: 'field', path: 'currency' },
    { name: 'channel', kind: 'field', path: 'channel' },
    { name: 'country', kind: 'field', path: 'country' },
    {
      name: 'card_txn_count_1h',
      kind: 'window',
      entity: 'card',
      aggregate: 'count',
      window_seconds: 3600,
      description: 'Earlier transactions of the card in the last hour.',
    },
    { name: 'card_txn_count_24h', kind: 'window', entity: 'card', aggregate: 'count', window_seconds: 86400 },
    { name: 'card_amount_sum_24h', kind: 'window', entity: 'card', aggregate: 'sum', path: 'amount', window_seconds: 86400 },
    { name: 'card_amount_mean_24h', kind: 'window', entity: 'card', aggregate: 'mean', path: 'amount', window_seconds: 86400 },
    { name: 'card_amount_max_24h', kind: 'window', entity: 'card', aggregate: 'max', path: 'amount', window_seconds: 86400 },
    {
      name: 'card_distinct_merchants_24h',
      kind: 'window',
      entity: 'card',
      aggregate: 'distinct_count',
      path: 'merchant_id',
      window_seconds: 86400,
    },
    {
      name: 'card_last_amount_24h',
      kind: 'window',
      entity: 'card',
      aggregate: 'last',
      path: 'amount',
      window_seconds: 86400,
      description: "Amount of the card's previous transaction in the last 24 hours.",
    },
    { name: 'merchant_txn_count_1h', kind: 'window', entity: 'merchant', aggregate: 'count', window_seconds: 3600 },
    { name: 'merchant_txn_count_24h', kind: 'window', entity: 'merchant', aggregate: 'count', window_seconds: 86400 },
    { name: 'merchant_amount_sum_24h', kind: 'window', entity: 'merchant', aggregate: 'sum', path: 'amount', window_seconds: 86400 },
  ],
};

/** The demo profile resolved as a `FeatureProfiles` port would return it (`ref` `fraud-demo.v1.json`). */
export function resolvedDemoFeatureProfile(): ResolvedFeatureProfile {
  return { ref: 'fraud-demo.v1.json', profile: demoFeatureProfile, digest: digestOf(demoFeatureProfile) };
}

/**
 * The demo feature profile `fraud-demo@v2`: the v1 features with typed columns (profile v2):
 * `amount` is `decimal(18,2)`, the other projections `string`; window columns derive their types
 * (counts `int64`, amount sums `decimal(38,2)`, the max and last amount `decimal(18,2)`, the mean
 * `decimal(38,6)`).
 */
export const demoFeatureProfileV2: FeatureProfile = {
  ...demoFeatureProfile,
  schema_version: 'learning.ofs_feature_profile.v2',
  feature_set_version: 'v2',
  description: 'fraud-demo@v1 with typed columns (decimal amounts, string projections).',
  features: demoFeatureProfile.features.map((f) => {
    if (f.kind !== 'field') return { ...f };
    return { ...f, type: f.name === 'amount' ? { type: 'decimal', precision: 18, scale: 2 } : { type: 'string' } };
  }),
};

/** `fraud-demo@v2` resolved (`ref` `fraud-demo.v2.json`). */
export function resolvedDemoFeatureProfileV2(): ResolvedFeatureProfile {
  return { ref: 'fraud-demo.v2.json', profile: demoFeatureProfileV2, digest: digestOf(demoFeatureProfileV2) };
}
