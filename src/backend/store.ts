/**
 * The embedded control plane: the state a Kuma zone control plane (Universal, non-federated) keeps, with its REST API
 * semantics, in memory and durable in a state directory. `meshops cp` serves it over HTTP (src/cp/server.ts) and the CLI
 * uses it in-process through `LocalBackend` when no --cp-url is given, so both see the same behaviour.
 *
 * This file only re-exports the public names, so importers need not know the layout. The implementation is in
 * src/backend/local/:
 *
 * - store.ts: ControlPlaneStore and openStore (loading, PUT/DELETE/GET/list semantics), options and versions;
 * - backend.ts: LocalBackend, the Backend interface over a store;
 * - problems.ts: the control plane's error JSON (ApiProblem, problemJson) and the store's outcome types;
 * - rewrite.ts: server-side rewriting (schema defaults, Go/proto durations, proto3 zero values, Mesh metrics defaults);
 * - labels.ts: label and name checks, computed labels, deprecation warnings;
 * - records.ts: the stored record shapes and their GET rendering;
 * - journal.ts: durability (atomic writes, fsync, the journal with group commit, the lock file);
 * - util.ts: small JSON helpers.
 */
export type { StoreInfo, StoreOptions } from "./local/store.js";
export { ControlPlaneStore, DEFAULT_ZONE, openStore } from "./local/store.js";
export { LocalBackend } from "./local/backend.js";
export type { ApiProblem, DeleteOutcome, ListOutcome, ListQuery, PutOutcome } from "./local/problems.js";
export { METHOD_NOT_ALLOWED, problemJson } from "./local/problems.js";
export { JournalDamagedError, STATE_FILE, StorageFailure } from "./local/journal.js";
export type { HealthOptions } from "./local/journal.js";
export { StateDirectoryInUseError } from "./local/lock.js";
