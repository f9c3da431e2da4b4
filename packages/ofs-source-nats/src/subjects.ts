import { OfsError } from '@ofs/contracts';

/** Maps a topic partition to the NATS subject its events are published on. */
export type SubjectMapping = (topic: string, partition: number) => string;

/** The offset kind of JetStream stream sequences (sparse per subject). */
export const JETSTREAM_SEQUENCE = 'jetstream_sequence';

const TOKEN = /^[A-Za-z0-9_.:-]+$/;

/**
 * The default mapping: `{prefix}.{topic}.{partition}` (`{topic}.{partition}` without a prefix).
 * A topic must be made of `[A-Za-z0-9_.:-]` without empty tokens, so it can never contain a
 * wildcard (`*`, `>`) or whitespace; anything else is `SCHEMA_INVALID`.
 */
export function defaultSubjectMapping(prefix?: string): SubjectMapping {
  return (topic, partition) => {
    if (!TOKEN.test(topic) || topic.split('.').some((t) => t === '')) {
      throw new OfsError('SCHEMA_INVALID', { message: `topic "${topic}" cannot be a NATS subject`, details: { topic } });
    }
    if (!Number.isInteger(partition) || partition < 0) {
      throw new OfsError('SCHEMA_INVALID', { message: `partition ${String(partition)} is not a whole number ≥ 0`, details: { partition } });
    }
    return prefix === undefined || prefix === '' ? `${topic}.${partition}` : `${prefix}.${topic}.${partition}`;
  };
}
