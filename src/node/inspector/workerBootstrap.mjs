// Starts the inspector worker from the TypeScript sources (a checkout run through tsx, and the
// tests): worker threads do not inherit the parent's tsx loader, so register it here.
import { register } from 'tsx/esm/api';

register();
await import('./inspectWorker.ts');
