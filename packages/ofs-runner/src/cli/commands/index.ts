import type { CliCommand } from '../command.js';
import { cardCommand } from './card.js';
import { gcCommand, inspectCommand, planCommand, verifyCommand } from './datasets.js';
import { demoCommand } from './demo.js';
import { labelsCommand } from './labels.js';
import { partsCommand, rowsCommand } from './parts-rows.js';
import { buildCommand, retryPublishCommand, statusCommand, submitCommand, workerCommand } from './runs.js';
import { parityCommand } from './parity.js';
import { rebuildCommand } from './rebuild.js';
import { reportCommand } from './report.js';

/**
 * The command table of the `ofs` CLI, in the order `ofs help` lists them. A command is data (see
 * `CliCommand`); `report` wraps `@ofs/observe`.
 */
export const COMMANDS: readonly CliCommand[] = [
  demoCommand,
  buildCommand,
  planCommand,
  submitCommand,
  workerCommand,
  retryPublishCommand,
  statusCommand,
  reportCommand,
  verifyCommand,
  inspectCommand,
  cardCommand,
  partsCommand,
  rowsCommand,
  gcCommand,
  parityCommand,
  rebuildCommand,
  labelsCommand,
];
