// Plain-JS entry of the training worker thread: workers do not inherit tsx's loader, so register it here first.
import { register } from 'tsx/esm/api';

register();
await import('./train-worker.ts');
