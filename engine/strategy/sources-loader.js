// Worker threads botctl starts while it runs from its TypeScript sources (tests, `npx tsx`) need
// a TypeScript loader of their own: tsx's, as engine/cli/botctl.js uses, or the module
// BOTCTL_SOURCES_LOADER names (the tests' lighter test/helpers/ts-loader.mjs). Plain JavaScript:
// it runs before any TypeScript can. Compiled, botctl starts its workers' .js files directly.
export async function registerSourcesLoader() {
  if (process.env.BOTCTL_SOURCES_LOADER) {
    await import(process.env.BOTCTL_SOURCES_LOADER);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
}
