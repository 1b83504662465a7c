import type { RequestEvent } from "../backend/kumaHttp.js";
import type { Backend } from "../backend/types.js";
import { BackendError } from "../backend/types.js";

type Observe = (event: Pick<RequestEvent, "method" | "status" | "durationMs">) => void;

/**
 * Times every call of a backend that has no request events of its own (the embedded control plane, in-process), so
 * `/metrics` shows the same request counts and latencies whichever control plane the daemon talks to. The HTTP
 * backend reports each HTTP attempt itself (onRequest) and is not wrapped.
 */
export function instrumentBackend(backend: Backend, observe: Observe): Backend {
  const timed = async <T>(method: string, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const value = await call();
      observe({ method, status: 200, durationMs: performance.now() - started });
      return value;
    } catch (error) {
      const status = error instanceof BackendError ? error.status : undefined;
      observe({ method, ...(status === undefined ? {} : { status }), durationMs: performance.now() - started });
      throw error;
    }
  };
  return {
    info: () => timed("GET", () => backend.info()),
    types: () => timed("GET", () => backend.types()),
    list: (type, mesh) => timed("GET", () => backend.list(type, mesh)),
    get: (key) => timed("GET", () => backend.get(key)),
    put: (object) => timed("PUT", () => backend.put(object)),
    delete: (key) => timed("DELETE", () => backend.delete(key)),
    close: () => backend.close(),
  };
}
