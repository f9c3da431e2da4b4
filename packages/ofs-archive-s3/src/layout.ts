import { isCanonicalDecimal } from '@ofs/contracts';

/**
 * The reference archive writer's path token: trimmed, every run of characters outside
 * `[A-Za-z0-9_.:-]` replaced with `_`, an empty value becoming `_`.
 */
export function archiveToken(value: string): string {
  const out = value.trim().replace(/[^A-Za-z0-9_.:-]+/g, '_');
  return out === '' ? '_' : out;
}

/**
 * The prefix (with a trailing `/`) under which the archive holds one topic partition's records:
 * `{platform_run_id}/archive/events/topic={tok}/partition={n}/offset_kind={tok}/`.
 */
export function archivePartitionPrefix(platformRunId: string, topic: string, partition: number, offsetKind: string): string {
  return `${platformRunId}/archive/events/topic=${archiveToken(topic)}/partition=${partition}/offset_kind=${archiveToken(offsetKind)}/`;
}

/** The key of one archived record: `{prefix}offset={tok(offset)}.json`. */
export function archiveRecordKey(platformRunId: string, topic: string, partition: number, offsetKind: string, offset: string): string {
  return `${archivePartitionPrefix(platformRunId, topic, partition, offsetKind)}offset=${archiveToken(offset)}.json`;
}

const NAME = /^offset=(0|[1-9][0-9]*)\.json$/;

/**
 * The offset a listed key names (the part after the partition prefix), or `undefined` when the
 * name is not `offset={canonical decimal}.json` (such objects are not archive records).
 */
export function offsetOfName(name: string): string | undefined {
  const m = NAME.exec(name);
  return m !== null && isCanonicalDecimal(m[1]!) ? m[1] : undefined;
}
