#!/usr/bin/env node
import { COMMANDS } from './cli/commands/index.js';
import { invocationOf } from './cli/invocation.js';
import { runCli } from './cli/main.js';

const controller = new AbortController();
let interrupts = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${sig}: stopping (claimed runs are released; press again to exit now)\n`);
    controller.abort(new Error(sig));
  });
}

const code = await runCli(process.argv.slice(2), COMMANDS, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
  invocation: invocationOf({ env: process.env, script: process.argv[1], cwd: process.cwd() }),
});
process.exitCode = code;
