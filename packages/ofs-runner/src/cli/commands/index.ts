import type { CliCommand } from '../command.js';
import { gcCommand, inspectCommand, planCommand, verifyCommand } from './datasets.js';
import { demoCommand } from './demo.js';
import { buildCommand, retryPublishCommand, statusCommand, submitCommand, workerCommand } from './runs.js';

/**
 * The command table of the `ofs` CLI, in the order `ofs help` lists them. A command is data (see
 * `CliCommand`); `report` (from `@ofs/observe`) is added here as one more entry when it lands.
 */
export const COMMANDS: readonly CliCommand[] = [
  demoCommand,
  buildCommand,
  planCommand,
  submitCommand,
  workerCommand,
  retryPublishCommand,
  statusCommand,
  verifyCommand,
  inspectCommand,
  gcCommand,
];
