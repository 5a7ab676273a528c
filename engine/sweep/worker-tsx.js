// Worker entry when botctl runs from its TypeScript sources: registers a TypeScript loader, then
// starts the worker. Compiled, pool.ts starts worker.js directly. The loader is tsx's, as the CLI
// entry (engine/cli/botctl.js) uses, unless BOTCTL_SOURCES_LOADER names another module that
// registers one (the tests' lighter loader, test/helpers/ts-loader.mjs).
if (process.env.BOTCTL_SOURCES_LOADER) {
  await import(process.env.BOTCTL_SOURCES_LOADER);
} else {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./worker.ts');
