#!/usr/bin/env node
// The `llmts` executable: always runs the CLI (main.ts stays importable without side effects).
import { main } from './main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
