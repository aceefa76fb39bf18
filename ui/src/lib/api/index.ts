/**
 * The one door to the backend: typed commands, events, errors, progress.
 * Only this folder imports `@tauri-apps/api`; the types come from ./bindings,
 * generated from the Rust types (scripts/gen-bindings).
 */
export * from './commands';
export * from './events';
export * from './errors';
export * from './progress';
export type * from './bindings';
