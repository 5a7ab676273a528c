// The botctl package's root folder as a file URL (with a trailing slash). Modules run either from
// their TypeScript sources (engine/x.ts) or from the compiled build (dist/engine/x.js, one level
// deeper), and the data they read (package.json, schemas/, bots/, README.md) lives only at the root.
export const PACKAGE_ROOT = new URL(import.meta.url.endsWith('.ts') ? '../' : '../../', import.meta.url);
