import type { LabelStore } from '@ofs/contracts';

/**
 * A view of `store` with only the read part of the port (`timelines`, `stateMarker`): what the
 * corridor needs, and proof to a host that it never writes labels. `canAppendLabels` is `false`
 * on the result, and seeding code given it fails with `LABEL_STORE_READ_ONLY`.
 */
export function readOnlyLabelStore(store: LabelStore): LabelStore {
  return {
    timelines: (subjects, labelTypes, options) => store.timelines(subjects, labelTypes, options),
    stateMarker: (options) => store.stateMarker(options),
  };
}
