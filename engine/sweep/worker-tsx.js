// Worker entry when botctl runs from its TypeScript sources: registers a TypeScript loader
// (engine/strategy/sources-loader.js), then starts the worker. Compiled, pool.ts starts worker.js
// directly.
import { registerSourcesLoader } from '../strategy/sources-loader.js';

await registerSourcesLoader();
await import('./worker.ts');
