#!/usr/bin/env node
// Development entry: the CLI's TypeScript run through tsx (a devDependency), so tests see source changes without a
// build. What ships is bin/glimpse.js, which imports the compiled out/cli/glimpse.js.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
