#!/usr/bin/env node
// The `glimpse` command. The engine is TypeScript run through tsx, so `npx glimpse` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
