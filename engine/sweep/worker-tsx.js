// Worker entry when botctl runs from its TypeScript sources: registers the same tsx loader the
// CLI entry (engine/cli/botctl.js) uses, then starts the worker. Compiled, pool.ts starts
// worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
