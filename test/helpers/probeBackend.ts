/** A backend for in-process reconciler tests: the embedded control plane, counting requests and failing on demand. */
import type { Backend, DeleteResult, PutResult, ServerInfo } from "../../src/backend/types.js";
import { BackendError } from "../../src/backend/types.js";
import type { ResourceKey } from "../../src/model/key.js";
import type { JsonObject } from "../../src/model/resource.js";

export class ProbeBackend implements Backend {
  lists = 0;
  writes: string[] = [];
  failPut: ((object: JsonObject) => boolean) | undefined;
  /** Lists fail as a control plane answering 503 does. */
  failList = false;
  /** Writes answered as after an attempt that got no answer (a timeout, then a retry that succeeded). */
  unansweredPut: ((object: JsonObject) => boolean) | undefined;
  infoOverride: Partial<ServerInfo> = {};
  constructor(readonly inner: Backend) {}
  async info(): Promise<ServerInfo> {
    return { ...(await this.inner.info()), ...this.infoOverride };
  }
  types() {
    return this.inner.types();
  }
  list(type: string, mesh?: string): Promise<JsonObject[]> {
    this.lists++;
    if (this.failList) return Promise.reject(new BackendError("injected failure", { status: 503 }));
    return this.inner.list(type, mesh);
  }
  get(key: ResourceKey): Promise<JsonObject | undefined> {
    return this.inner.get(key);
  }
  put(object: JsonObject): Promise<PutResult> {
    if (this.failPut?.(object)) return Promise.reject(new BackendError("injected failure", { status: 500 }));
    this.writes.push(`PUT ${String(object.type)}/${String(object.name)}`);
    if (this.unansweredPut?.(object)) return this.inner.put(object).then((result) => ({ ...result, outcomeUnknown: true as const }));
    return this.inner.put(object);
  }
  delete(key: ResourceKey): Promise<DeleteResult> {
    this.writes.push(`DELETE ${key.type}/${key.name}`);
    return this.inner.delete(key);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
