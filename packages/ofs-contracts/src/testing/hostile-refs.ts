/**
 * Hostile refs, keys and run ids every store and ref resolver must refuse: traversal, encoded
 * dots, absolute and drive paths, URL schemes, NUL and control characters, overlong input,
 * Unicode look-alikes of `.` and `/`, whitespace. `RUN` is the platform run they are resolved
 * under; none of them may name a key inside it.
 */
export const HOSTILE_REF_RUN = 'platform_20260210T113700Z';

/** Refs that must be refused with `REF_INVALID` (resolved under `HOSTILE_REF_RUN`). */
export const HOSTILE_REFS: readonly string[] = [
  '',
  '..',
  '../outside.json',
  `${HOSTILE_REF_RUN}/../outside.json`,
  `${HOSTILE_REF_RUN}/../../etc/passwd`,
  `${HOSTILE_REF_RUN}/sr/./facts.json`,
  `${HOSTILE_REF_RUN}/sr/../../other/facts.json`,
  `${HOSTILE_REF_RUN}//facts.json`,
  `${HOSTILE_REF_RUN}/sr/`,
  `/${HOSTILE_REF_RUN}/sr/facts.json`,
  '/etc/passwd',
  '//server/share/facts.json',
  'C:\\Windows\\system.ini',
  'c:/windows/system.ini',
  `${HOSTILE_REF_RUN}\\..\\outside.json`,
  `s3://bucket/${HOSTILE_REF_RUN}/sr/facts.json`,
  `file:///${HOSTILE_REF_RUN}/sr/facts.json`,
  `file:${HOSTILE_REF_RUN}/sr/facts.json`,
  `http://evil.example/${HOSTILE_REF_RUN}/facts.json`,
  `gs://bucket/${HOSTILE_REF_RUN}/facts.json`,
  `store:${HOSTILE_REF_RUN}/facts.json`,
  `${HOSTILE_REF_RUN}/%2e%2e/%2e%2e/outside.json`,
  `${HOSTILE_REF_RUN}/%2E%2E%2Foutside.json`,
  `${HOSTILE_REF_RUN}/..%2foutside.json`,
  `${HOSTILE_REF_RUN}/%252e%252e/outside.json`,
  `${HOSTILE_REF_RUN}/sr/facts.json\u0000.png`,
  `${HOSTILE_REF_RUN}/sr/\u0000`,
  `${HOSTILE_REF_RUN}/sr/facts\n.json`,
  `${HOSTILE_REF_RUN}/sr/facts.json `,
  ` ${HOSTILE_REF_RUN}/sr/facts.json`,
  `${HOSTILE_REF_RUN}/\u2025/outside.json`,
  `${HOSTILE_REF_RUN}/\uff0e\uff0e/outside.json`,
  `${HOSTILE_REF_RUN}\u2215..\u2215outside.json`,
  `${HOSTILE_REF_RUN}\uff0f..\uff0foutside.json`,
  `${HOSTILE_REF_RUN}/sr/fac\u0074s\u200b.json`,
  `${HOSTILE_REF_RUN}/sr/f\u0430cts.json`,
  `${HOSTILE_REF_RUN}/sr/\u202efacts.json`,
  `${HOSTILE_REF_RUN}/${'a'.repeat(256)}.json`,
  `${HOSTILE_REF_RUN}/${'a/'.repeat(600)}x.json`,
  `${HOSTILE_REF_RUN}/sr/facts.json?x=1`,
  `${HOSTILE_REF_RUN}/sr/facts.json#/locators`,
  `${HOSTILE_REF_RUN}/sr/~/facts.json`,
  `${HOSTILE_REF_RUN}/sr/$HOME/facts.json`,
];

/** Valid keys under another run (or no run): `REF_SCOPE_MISMATCH`. */
export const FOREIGN_RUN_REFS: readonly string[] = [
  'platform_20990101T000000Z/sr/run_facts_view/x.json',
  `${HOSTILE_REF_RUN}x/sr/facts.json`,
  `${HOSTILE_REF_RUN.toLowerCase()}/sr/facts.json`,
  'ofs/profile_digests/x.json',
  `${HOSTILE_REF_RUN}`,
  `x${HOSTILE_REF_RUN}/sr/facts.json`,
];

/** Platform run ids that are not safe key segments (an intent carrying one is refused). */
export const HOSTILE_RUN_IDS: readonly string[] = [
  '..',
  '.',
  '../../escape',
  'a/b',
  '/abs',
  'run\u0000',
  'run%2f..',
  'run\\..',
  '\uff0e\uff0e',
  'run id',
  'r'.repeat(129),
  's3:',
];
