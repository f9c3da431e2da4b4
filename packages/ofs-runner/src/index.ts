export { createCorridor, DEFAULT_LEASE_MS } from './corridor.js';
export type {
  Corridor,
  CorridorDeps,
  CorridorProgress,
  CorridorStage,
  CorridorSubmitOptions,
  PlanOnlyResult,
  WorkOptions,
  WorkSummary,
} from './corridor-types.js';
export {
  type CorridorPins,
  type RunConfig,
  type RunConfigInputs,
  RUN_CONFIG_DIGEST_RECIPE,
  resolveRunConfig,
  runConfigDigest,
} from './run-config.js';
export { claimRunByKey, type ClaimByKeyResult } from './claim-by-key.js';
export {
  CORRIDOR_CONFIG_FILE,
  CORRIDOR_CONFIG_SCHEMA_VERSION,
  type CorridorConfigFile,
  type CorridorLayout,
  corridorLayout,
  createDefaultCorridor,
  type DefaultCorridor,
  type DefaultCorridorOptions,
  readCorridorConfig,
} from './default-corridor.js';
export {
  INBOX_RECEIPT_SCHEMA_VERSION,
  INBOX_REQUEST_SCHEMA_VERSION,
  type InboxReceipt,
  type InboxScan,
  inboxPrefix,
  inboxReceiptsPrefix,
  scanInbox,
} from './inbox.js';
export { collectGarbage, type GcOptions, type GcReport } from './gc.js';
export { runnerCodeRelease } from './release.js';
export {
  generateDemo,
  type DemoCounts,
  type DemoData,
  type DemoOptions,
  type DemoSink,
  DEMO_PLATFORM_RUN_ID,
  DEMO_LABEL_ASOF_UTC,
} from './demo/generate.js';
export { demoCorridorConfig, demoIntent, demoPolicy, demoRunFacts, DEMO_CONFIG_REVISION, DEMO_RUN_FACTS_REF } from './demo/fixtures.js';
export { type DemoMarker, existingDemo, writeDemoConfig, writeDemoData } from './demo/setup.js';
export { runCli } from './cli/main.js';
export { COMMANDS } from './cli/commands/index.js';
export type { CliCommand, CliIo, CliOption, CommandContext, CommandResult } from './cli/command.js';
export { EXIT, type ExitCode, exitCodeOf } from './cli/exit-codes.js';
export { fixHint, formatError } from './cli/hints.js';
export { runParityRebuild, type ParityDeps, type ParityRunResult } from './parity-rebuild.js';
export {
  forensicRebuild,
  type FirstDifference,
  type ForensicDeps,
  type ForensicResult,
  type InputChanges,
} from './forensic-rebuild.js';
