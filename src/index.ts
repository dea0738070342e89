/** The package's entry point: start a server in-process, or build the app around your own store. */
export { startServer, StartupError, type RunningServer, type ServerOptions } from './server.js';
export { buildApp, type AppOptions } from './api/app.js';
export { createCoreContext, DEFAULT_CORE_OPTIONS, type CoreContext, type CoreOptions } from './core/context.js';
export { Clock, type ClockMode, type ClockState } from './core/clock.js';
export { ERROR_TABLE, DingReadError, type ErrorCode } from './core/errors.js';
export { OPERATOR_ERRORS, OperatorError, type OperatorErrorCode } from './core/operator-errors.js';
export type { Store, StoreKind, StoreCapabilities } from './core/store.js';
export { openStore, DEFAULT_STORE } from './store/open-store.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite/sqlite-store.js';
export type { FixtureDocument } from './core/fixtures.js';
export type { FixtureCounts } from './core/answers.js';
export { VERSION } from './version.js';
