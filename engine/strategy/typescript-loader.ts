// botctl runs as compiled JavaScript; a strategy module written in TypeScript needs tsx's loader.
// It is registered the first time such a module is loaded, so the commands and specs that load
// none never pay its start-up. Run from the TypeScript sources, a loader is already in place.
const TYPESCRIPT = /\.[cm]?ts$/;
let registered: Promise<void> | undefined;

export function ensureTypeScriptLoader(modulePath: string): Promise<void> {
  if (!TYPESCRIPT.test(modulePath) || import.meta.url.endsWith('.ts')) return Promise.resolve();
  registered ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return registered;
}
