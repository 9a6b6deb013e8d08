// Plain-JS entry of the engine host when it runs from TypeScript sources (tests, `npm run` scripts): a forked
// process does not inherit tsx's loader, so register it here first. The compiled build forks engine-host.js.
import { register } from 'tsx/esm/api';

register();
await import('./engine-host.ts');
