import { canonicalInstant, compareDecimal, OfsError, type ResolvedFeatureProfile } from '@ofs/contracts';
import { BatchFeatures, entityKey, type FeatureEventInput } from './batch.js';
import { type CompiledField, type CompiledProfile, compileProfile, valueAt } from './compile-profile.js';
import { type FeatureSnapshot, type FeatureValue, featureSnapshotHash, type SnapshotResult } from './snapshot.js';

/** One event as an online service sees it: the record plus its transport position. */
export interface OnlineEvent extends FeatureEventInput {
  readonly partition: number;
  /** Canonical decimal offset (`^(0|[1-9][0-9]*)$`), ascending within a topic partition. */
  readonly offset: string;
  /** Offset kind of the partition (default `kafka_offset`). */
  readonly offset_kind?: string;
}

/** The feature values of one event, by feature name (fields and windows, profile order). */
export type FeatureValues = Record<string, FeatureValue>;

/** Which entity to snapshot: an entity name of the profile and a key value. */
export interface EntityRef {
  /** Entity name (a key of the profile's `entities`). */
  readonly entity: string;
  /** The entity key (a string, number or boolean, as in payloads). */
  readonly key: string | number | boolean;
  /**
   * The topic partition whose state to read (state is per partition). Default: the partition
   * of the last event that carried this key.
   */
  readonly topic?: string;
  readonly partition?: number;
}

/** The online face of the feature engine (see `createOnlineFeatures`). */
export interface OnlineFeatures {
  /** The compiled profile. */
  readonly profile: CompiledProfile;
  /**
   * Applies one event and returns its feature values as of just before it — the same values
   * reconstruction writes into that event's row. Events must arrive once each, in offset order
   * within their topic partition (`FEATURE_EVENT_OUT_OF_ORDER` otherwise; nothing changes then).
   */
  update(event: OnlineEvent): FeatureValues;
  /**
   * The canonical feature snapshot of one entity key (`ofs.feature_snapshot.v1`) and its hash:
   * the window features of that entity as an event of that key at the partition's watermark
   * would see them, as of every event applied so far. An unknown entity name, or a key never
   * seen with no partition given, is `FEATURE_ENTITY_UNKNOWN`.
   */
  snapshot(entity: EntityRef): SnapshotResult;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly offsetKind: string;
  readonly engine: BatchFeatures;
  lastOffset: string;
}

/**
 * Creates the online face of the feature engine over a resolved profile: a service feeds each
 * event as it consumes it (`update`) and serves or records snapshots (`snapshot`). It runs the
 * same window code as reconstruction, one state per topic partition, so a rebuild from the same
 * events gives the same values (the parity contract). Holds state in memory only.
 */
export function createOnlineFeatures(resolved: ResolvedFeatureProfile | CompiledProfile): OnlineFeatures {
  const profile =
    'entities' in resolved && Array.isArray(resolved.entities)
      ? (resolved as CompiledProfile)
      : compileProfile(resolved as ResolvedFeatureProfile);
  const partitions = new Map<string, PartitionState>();
  /** Per entity: key → the partition of the last event that carried it. */
  const lastPartition = profile.entities.map(() => new Map<unknown, PartitionState>());
  const windowOut: unknown[] = new Array(profile.windows.length).fill(null);
  const entityIndex = new Map(profile.entities.map((e, i) => [e.name, i]));
  const readValues = valuesReader(profile);

  const partitionOf = (topic: string, partition: number): PartitionState | undefined => partitions.get(`${topic}\u0000${partition}`);

  return {
    profile,
    update(event) {
      const id = `${event.topic}\u0000${event.partition}`;
      let state = partitions.get(id);
      if (typeof event.offset !== 'string' || !/^(0|[1-9][0-9]*)$/.test(event.offset)) {
        throw outOfOrder(event, 'has no canonical decimal offset');
      }
      const offsetKind = event.offset_kind ?? 'kafka_offset';
      if (state && state.offsetKind !== offsetKind)
        throw outOfOrder(event, `has offset kind ${offsetKind}, the partition has ${state.offsetKind}`);
      if (state && compareDecimal(event.offset, state.lastOffset) <= 0) {
        throw outOfOrder(event, `arrives after offset ${state.lastOffset} of its partition (offsets must ascend)`);
      }
      if (!state) {
        const engine = new BatchFeatures(profile);
        engine.startPartition();
        state = { topic: event.topic, partition: event.partition, offsetKind, engine, lastOffset: event.offset };
        partitions.set(id, state);
      }
      state.engine.advance(event, windowOut, 0);
      state.lastOffset = event.offset;
      const keys = state.engine.lastKeys;
      for (let e = 0; e < keys.length; e++)
        if (keys[e] !== undefined) (lastPartition[e] as Map<unknown, PartitionState>).set(keys[e], state);
      return readValues(event.payload as Record<string, unknown>, windowOut);
    },
    snapshot(ref) {
      const e = entityIndex.get(ref.entity);
      if (e === undefined) {
        throw new OfsError('FEATURE_ENTITY_UNKNOWN', {
          message: `entity ${ref.entity} is not declared in feature profile ${profile.ref}`,
          details: { entity: ref.entity, profile: profile.ref },
        });
      }
      const key = entityKey(ref.key);
      if (key === undefined) {
        throw new OfsError('FEATURE_ENTITY_UNKNOWN', {
          message: `entity ${ref.entity}: ${JSON.stringify(ref.key)} is not a key (a non-empty string, finite number or boolean)`,
          details: { entity: ref.entity },
        });
      }
      let state: PartitionState | undefined;
      let topic = ref.topic;
      let partition = ref.partition;
      if (topic !== undefined && partition !== undefined) {
        state = partitionOf(topic, partition);
      } else {
        state = (lastPartition[e] as Map<unknown, PartitionState>).get(key);
        if (!state) {
          throw new OfsError('FEATURE_ENTITY_UNKNOWN', {
            message: `entity ${ref.entity} key ${JSON.stringify(ref.key)} was never seen; name the topic and partition to snapshot it`,
            details: { entity: ref.entity },
          });
        }
        topic = state.topic;
        partition = state.partition;
      }
      const out: unknown[] = new Array(profile.windows.length).fill(null);
      state?.engine.partition.readEntity(e, key, out, 0);
      if (!state) {
        // A partition with no events yet: every window reads empty.
        new BatchFeatures(profile).partition.readEntity(e, key, out, 0);
      }
      const features: Record<string, FeatureValue> = {};
      profile.windows.forEach((w, i) => {
        if (w.entity === e) features[w.name] = out[i] as FeatureValue;
      });
      const watermark = state?.engine.partition.watermark;
      const snapshot: FeatureSnapshot = {
        recipe: 'ofs.feature_snapshot.v1',
        feature_set: {
          feature_set_id: profile.profile.feature_set_id,
          feature_set_version: profile.profile.feature_set_version,
          digest: profile.digest,
        },
        entity: { name: ref.entity, key },
        as_of: {
          topic: topic as string,
          partition: partition as number,
          offset_kind: state?.offsetKind ?? 'kafka_offset',
          next_offset: state ? (BigInt(state.lastOffset) + 1n).toString() : '0',
          ...(watermark ? { watermark_utc: canonicalInstant({ epochMs: watermark.ms, subMsNanos: watermark.sub }) } : {}),
        },
        features,
      };
      return { snapshot, snapshot_hash: featureSnapshotHash(snapshot) };
    },
  };
}

/** Computes the feature values of one event: fields projected from its payload, windows from an array in `profile.windows` order. */
function valuesReader(profile: CompiledProfile): (payload: Record<string, unknown>, windows: readonly unknown[]) => FeatureValues {
  const fields = new Map(profile.fields.map((f) => [f.name, f]));
  const windowIndex = new Map(profile.windows.map((w, i) => [w.name, i]));
  const order = profile.profile.features.map((f) => ({
    name: f.name,
    field: fields.get(f.name) as CompiledField | undefined,
    window: windowIndex.get(f.name) ?? -1,
  }));
  return (payload, windows) => {
    const values: FeatureValues = {};
    for (const o of order) {
      values[o.name] = (o.field ? (valueAt(payload, o.field.path) ?? null) : windows[o.window]) as FeatureValue;
    }
    return values;
  };
}

function outOfOrder(event: OnlineEvent, what: string): OfsError {
  return new OfsError('FEATURE_EVENT_OUT_OF_ORDER', {
    message: `event ${event.event_id} at ${event.topic}/${event.partition}@${String(event.offset)} ${what}`,
    details: { event_id: event.event_id, topic: event.topic, partition: event.partition, offset: event.offset },
  });
}
