#!/usr/bin/env node
// The `ofs` bin. The CLI itself lives in `@ofs/runner` (its `./cli` entry parses argv, runs the
// command and sets the exit code); this package only brings the database clients it needs, so
// `@ofs/runner` can take them as optional peers (D81).
import '@ofs/runner/cli';
