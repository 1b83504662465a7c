/**
 * A control plane whose state is read ahead. `readAhead(backend)` asks at once for what a comparison reads first
 * (sync/live.ts readLiveState): GET /, the list of types, and every type meshops may manage across all meshes, except
 * Dataplanes (listed only when meshops.yaml asks for them, which is not known yet). The first call of each is answered
 * from that read; any later call, and every other method, reaches the control plane.
 *
 * `plan`, `apply` and `drift` start it before they validate the repository, so that the listing's waits on the network
 * and on the control plane overlap the validation (the listing of 50,000 resources is seconds of mostly waiting). An
 * apply's writes follow a listing taken at most a validation earlier: its own writes already take longer than that.
 */
import { RESOURCE_TYPES } from "../kuma/types.js";
import type { JsonObject } from "../model/resource.js";
import type { Backend, ServerInfo, TypeInfo } from "./types.js";

/** What is listed ahead: every type meshops may manage but Dataplane (a zone's own, unless meshops.yaml says). */
const LISTED_AHEAD = new Set(RESOURCE_TYPES.map((t) => t.name).filter((name) => name !== "Dataplane"));

export function readAhead(backend: Backend): Backend {
  const ahead = new Map<string, Promise<unknown>>();
  const early = (key: string, promise: Promise<unknown>): void => {
    // Observed here: a refusal (Secrets to a token that may not read them) is for the call that takes it, or nobody.
    promise.catch(() => undefined);
    ahead.set(key, promise);
  };
  const take = <T>(key: string, call: () => Promise<T>): Promise<T> => {
    const promise = ahead.get(key) as Promise<T> | undefined;
    if (promise === undefined) return call();
    ahead.delete(key);
    return promise;
  };
  early("info", backend.info());
  const types = backend.types();
  early("types", types);
  // The lists are asked for once the types are known; a list call waits for that, so it finds its list if there is one.
  const listed = types.then(
    (types) => {
      for (const type of types) if (LISTED_AHEAD.has(type.name)) early(`list\0${type.name}`, backend.list(type.name));
    },
    () => undefined,
  );
  return {
    info: () => take<ServerInfo>("info", () => backend.info()),
    types: () => take<readonly TypeInfo[]>("types", () => backend.types()),
    list: async (type: string, mesh?: string): Promise<JsonObject[]> => {
      if (mesh !== undefined) return backend.list(type, mesh);
      await listed;
      return take(`list\0${type}`, () => backend.list(type));
    },
    get: (key) => backend.get(key),
    put: (object) => backend.put(object),
    delete: (key) => backend.delete(key),
    close: () => backend.close(),
  };
}
