// @ofs/replay — the replay unifier (S3): one logical stream from EB and Archive.
export { resolveReplay, assertTrainingCoverage, type ReplayDeps, type ReplayResolution } from './resolve-replay.js';
export { readReplaySlices, type ReplaySlicesSpec, type ReplaySourceSpec, replaySlices } from './replay-slices.js';
export { feasibility, type Feasibility, type FeasibilityStatus, type SliceFeasibility } from './feasibility.js';
export { createMemoryReplaySource, type MemoryReplaySourceOptions } from './memory-source.js';
export { densityOf, type OffsetDensity } from './coverage.js';
export { parseReplayBasis, type ParsedSlice } from './basis.js';
export {
  resolveTimeWindow,
  TIME_WINDOW_RULE,
  type PartitionWindow,
  type TimeWindowResolution,
  type TimeWindowSelector,
} from './time-window.js';
