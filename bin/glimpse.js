#!/usr/bin/env node
// The installed `glimpse` command: the compiled CLI (out/cli, built by `npm run build`, which `npm ci` runs).
// No TypeScript at run time; the repo's main/cli/bin.js runs the sources through tsx for development and tests.
const { main } = await import('../out/cli/glimpse.js');
process.exitCode = await main(process.argv.slice(2));
