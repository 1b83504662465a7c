/**
 * The Backend that talks to a real Kuma / Kong Mesh control plane (or a Konnect mesh control plane) over its REST API.
 *
 * Transport: Node's own http/https modules with keep-alive agents (maxSockets = concurrency), a Limiter (util/limit.ts) that bounds
 * in-flight requests across every call of this backend, a timeout per attempt, and retries with exponential backoff
 * and full jitter on what is worth retrying (network errors, timeouts, 429 and 5xx). PUT and DELETE are idempotent in
 * this API (PUT replaces the whole object, DELETE of a missing object is a 404 we report as `false`), so they are
 * retried like GETs.
 *
 * The bearer token lives in a private field and is only ever written into the Authorization header. Every message
 * that leaves this file (errors, onRequest events) goes through `redact`, in case a server or proxy echoes it back.
 * A token may change while the backend runs (a TokenSource: a file re-read when it changes, backend/tokenFile.ts); a
 * 401 looks at it again at once and retries once with a new token. Requests go through `proxy` when one is given
 * (util/proxy.ts: the caller reads HTTP(S)_PROXY and NO_PROXY).
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { ResourceKey } from "../model/key.js";
import { GLOBAL_SCOPE, subjectOf } from "../model/key.js";
import type { JsonObject, JsonValue } from "../model/resource.js";
import { resourceType } from "../kuma/types.js";
import type { Backend, ControlPlaneEnvironment, DeleteResult, InvalidParameter, PutResult, ServerInfo, TypeInfo } from "./types.js";
import { BackendError } from "./types.js";
import { asJsonObject as asObject } from "../model/resource.js";
import { backoffDelay, retryAfterMs } from "../util/backoff.js";
import type { TokenSource } from "./tokenFile.js";
import type { ClientCertificateSource } from "./clientCertificate.js";
import { Limiter } from "../util/limit.js";
import { agentFor, proxyForMessage } from "../util/proxy.js";
import { urlForMessage } from "../util/errorMessage.js";
import { redact, secretSpellingsOf } from "../kuma/secretFields.js";

/** One attempt of one HTTP request, for metrics and logs. Never carries the token or a request body. */
export interface RequestEvent {
  readonly method: string;
  /** Relative to the base URL, query included: `/meshes/payments/meshtimeouts?size=1000`. */
  readonly path: string;
  /** Absent when no response arrived (network error, timeout). */
  readonly status?: number;
  readonly durationMs: number;
  /** 1 for the first try. */
  readonly attempt: number;
  /** Why the attempt failed without a response (redacted). */
  readonly error?: string;
}

export interface KumaHttpBackendOptions {
  /** `http://127.0.0.1:5681`, or a Konnect base such as `https://us.api.konghq.com/v0/mesh/control-planes/<id>/api`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every request. */
  readonly token?: string | TokenSource;
  /** The HTTP proxy to go through (`proxyFor` in util/proxy.ts); direct when absent. */
  readonly proxy?: URL;
  /** A PEM bundle, or the path of a file holding one: the only CAs trusted for an https base URL (like curl --cacert). */
  readonly caFile?: string;
  /** Presented to an https base URL that asks for a client certificate (`--client-cert-file`, `--client-key-file`). */
  readonly clientCertificate?: ClientCertificateSource;
  /** Per attempt, from sending the request to the end of the response body. Default 10 s. */
  readonly timeoutMs?: number;
  /**
   * Attempts of one request that may time out before it fails, whatever `retries` allows (default 2): a control plane
   * that stopped answering is reported in about two timeouts (20 s by default), not six.
   */
  readonly maxTimeouts?: number;
  /** Requests in flight at once, across all calls. Default 16. */
  readonly concurrency?: number;
  /** Retries after the first attempt. Default 5. */
  readonly retries?: number;
  /** `size` of each list page, 1..1000 (the API's maximum). Default 1000. */
  readonly pageSize?: number;
  /** Backoff base: the first retry waits up to this long. Default 100 ms. */
  readonly retryBaseMs?: number;
  /** Backoff cap for one wait. Default 5 s. */
  readonly retryMaxDelayMs?: number;
  readonly onRequest?: (event: RequestEvent) => void;
  /**
   * The control plane's environment (`--mode`). Default auto: Kubernetes when GET /_resources says every type meshops
   * manages is read-only (KUMA_API_SERVER_READ_ONLY, which the Helm chart sets), asked once per backend.
   */
  readonly environment?: ControlPlaneEnvironment | "auto";
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_TIMEOUTS = 2;
const DEFAULT_CONCURRENCY = 16;
const DEFAULT_RETRIES = 5;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_RETRY_BASE_MS = 100;
const DEFAULT_RETRY_MAX_DELAY_MS = 5_000;
/** Guards against a server whose `next` never ends (10 million objects at the maximum page size). */
const MAX_PAGES = 10_000;
const ERROR_SUMMARY_CHARS = 200;

/** Network failures that say nothing about the request itself: trying again may well work. */
const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

const TLS_TRUST_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_UNTRUSTED",
]);

/**
 * OpenSSL's codes for a TLS alert from a server that wanted a client certificate and got none (TLS 1.3: certificate
 * required; 1.2: handshake failure), or refused the one it got (unknown CA, bad, expired, revoked, access denied).
 */
const CLIENT_CERTIFICATE_ALERTS = new Set([
  "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
  "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
  "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
  "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
  "ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED",
  "ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
  "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
]);

const CLIENT_CERTIFICATE_CHECK = "is it signed by a CA the control plane trusts (Kuma: apiServer.auth.clientCertsDir), and still valid?";

interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** How many attempts it took to get this response. */
  readonly attempts: number;
  /** A write with an earlier attempt sent and never answered (`mayHaveArrived`): it may land after this one. */
  readonly unanswered: boolean;
  /** The request's path below the base URL, query included (an error names it without: requestedPath). */
  readonly path: string;
}

/** Where a type lives in the REST API. */
interface TypeRoute {
  readonly name: string;
  readonly path: string;
  readonly scope: "Mesh" | "Global";
}

export class KumaHttpBackend implements Backend {
  readonly baseUrl: string;
  readonly #tokens: TokenSource;
  /** Every token sent so far: a message echoing an old one is redacted as well. */
  readonly #sentTokens = new Set<string>();
  readonly #proxy: URL | undefined;
  readonly #origin: string;
  /** The base URL's path without a trailing slash ("" for none): every API path is appended to it. */
  readonly #prefix: string;
  readonly #https: boolean;
  readonly #agent: http.Agent;
  readonly #clientCertificate: ClientCertificateSource | undefined;
  /**
   * Connection resets of a new connection before any answer, with a client certificate given: what a server that does not
   * trust it (Node.js, or a TLS terminator) does instead of a TLS alert.
   */
  readonly #handshakeResets = new WeakSet<object>();
  readonly #timeoutMs: number;
  /** Whether --ca-file was given: an untrusted certificate's hint is to give one, or to check the one given. */
  readonly #caGiven: boolean;
  readonly #maxTimeouts: number;
  readonly #retries: number;
  readonly #pageSize: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #onRequest: ((event: RequestEvent) => void) | undefined;
  readonly #limiter: Limiter;
  readonly #sleepers = new Set<() => void>();
  #closed = false;
  #discovered: Promise<Map<string, TypeRoute>> | undefined;
  #environment: ControlPlaneEnvironment | Promise<ControlPlaneEnvironment> | undefined;
  /** The `--mode` given, if any; without it the environment is asked again of another control plane (see info). */
  readonly #environmentGiven: ControlPlaneEnvironment | undefined;
  /** Who answered the last GET /: product, version and instance. */
  #answering: string | undefined;

  constructor(options: KumaHttpBackendOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new BackendError(`invalid control plane URL ${JSON.stringify(urlForMessage(options.baseUrl))}: not an absolute URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new BackendError(`invalid control plane URL ${urlForMessage(url.href)}: only http and https are supported`);
    }
    if (url.username || url.password) {
      throw new BackendError(`invalid control plane URL ${urlForMessage(url.href)}: credentials in the URL are not supported, pass a token instead`);
    }
    if (url.search || url.hash) {
      throw new BackendError(`invalid control plane URL ${urlForMessage(url.href)}: it must not have a query or fragment`);
    }
    this.#origin = url.origin;
    this.#prefix = url.pathname.replace(/\/+$/, "");
    this.baseUrl = this.#origin + this.#prefix;
    this.#https = url.protocol === "https:";
    this.#tokens = typeof options.token === "object" ? options.token : fixedToken(options.token);
    this.#tokens.current(); // a fixed token with a line break fails here, not at the first request
    this.#proxy = options.proxy;

    this.#timeoutMs = positiveInteger(options.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs");
    this.#maxTimeouts = positiveInteger(options.maxTimeouts, DEFAULT_MAX_TIMEOUTS, "maxTimeouts");
    const concurrency = positiveInteger(options.concurrency, DEFAULT_CONCURRENCY, "concurrency");
    this.#retries = options.retries === undefined ? DEFAULT_RETRIES : nonNegativeInteger(options.retries, "retries");
    this.#pageSize = positiveInteger(options.pageSize, MAX_PAGE_SIZE, "pageSize");
    if (this.#pageSize > MAX_PAGE_SIZE) throw new BackendError(`pageSize ${this.#pageSize} is above the API's maximum of ${MAX_PAGE_SIZE}`);
    this.#retryBaseMs = options.retryBaseMs === undefined ? DEFAULT_RETRY_BASE_MS : nonNegativeInteger(options.retryBaseMs, "retryBaseMs");
    this.#retryMaxDelayMs =
      options.retryMaxDelayMs === undefined ? DEFAULT_RETRY_MAX_DELAY_MS : nonNegativeInteger(options.retryMaxDelayMs, "retryMaxDelayMs");
    this.#onRequest = options.onRequest;
    this.#environmentGiven = options.environment === "auto" ? undefined : options.environment;
    this.#environment = this.#environmentGiven;
    this.#limiter = new Limiter(concurrency);

    const ca = this.#https && options.caFile !== undefined ? readCa(options.caFile) : undefined;
    this.#caGiven = ca !== undefined;
    this.#clientCertificate = this.#https ? options.clientCertificate : undefined;
    this.#agent = agentFor(url, { proxy: this.#proxy, keepAlive: true, maxSockets: concurrency, ...(ca === undefined ? {} : { ca }) });
  }

  async info(): Promise<ServerInfo> {
    const subject = "the control plane's version";
    // The first request to a URL: a wrong one (another server, a path that is no API) is said as such, its page not quoted.
    const notKuma = (what: string) => new BackendError(`${subject}: ${what}: not a Kuma control plane's API; is the URL ${this.baseUrl} right?`);
    const res = await this.#request("GET", "/", subject);
    if (res.status === 404) throw notKuma("404 Not Found");
    if (res.status !== 200) throw this.#failure(subject, "GET", res);
    const o = asObject(parseJson(res.text));
    const product = o?.product;
    const version = o?.version;
    if (!o) throw notKuma("the answer is not JSON");
    if (typeof product !== "string" || typeof version !== "string") throw notKuma("the answer is not a Kuma API index (no product and version)");
    // Another control plane behind the URL (restarted, upgraded, moved to Kubernetes) may run elsewhere and serve
    // other types: what was found out about the last one is asked again.
    const answering = JSON.stringify([product, version, o.instanceId ?? null]);
    if (this.#answering !== undefined && answering !== this.#answering) {
      this.#environment = this.#environmentGiven;
      this.#discovered = undefined;
    }
    this.#answering = answering;
    return {
      product,
      version,
      ...optionalString(o, "basedOnKuma"),
      ...optionalString(o, "hostname"),
      ...optionalString(o, "instanceId"),
      environment: await this.#environmentOnce(),
    };
  }

  /**
   * GET / does not say where the control plane runs: a read-only API does. Asked once; an API without GET /_resources
   * is taken for Universal, and a failed ask is asked again next time (the listing that follows reports the failure).
   */
  #environmentOnce(): ControlPlaneEnvironment | Promise<ControlPlaneEnvironment> {
    this.#environment ??= this.types().then(
      (types) => (this.#environment = environmentOf(types)),
      (error: unknown) => {
        this.#environment = error instanceof BackendError && error.status === 404 ? "universal" : undefined;
        return "universal";
      },
    );
    return this.#environment;
  }

  async types(): Promise<readonly TypeInfo[]> {
    const subject = "the control plane's resource types";
    const body = asObject(await this.#getJson("/_resources", subject));
    const resources = body?.resources;
    if (!Array.isArray(resources)) throw new BackendError(`${subject}: the answer has no "resources" list`);
    const out: TypeInfo[] = [];
    for (const r of resources) {
      const o = asObject(r);
      if (!o || typeof o.name !== "string" || typeof o.path !== "string") continue;
      out.push({ name: o.name, path: o.path, scope: o.scope === "Global" ? "Global" : "Mesh", readOnly: o.readOnly === true });
    }
    return out;
  }

  async list(type: string, mesh?: string): Promise<JsonObject[]> {
    const route = await this.#route(type);
    // Without a mesh, `GET /<path>` lists a mesh-scoped type across all meshes: one paginated walk per type instead of
    // one per mesh, which is what makes reading 1,000 meshes' state a matter of seconds.
    const everywhere = mesh === undefined || route.scope === "Global" || route.name === "Mesh";
    const listPath = route.name === "Mesh" ? "/meshes" : everywhere ? `/${seg(route.path)}` : `/meshes/${seg(mesh)}/${seg(route.path)}`;
    const subject = route.name === "Mesh" ? "Mesh (list)" : everywhere ? `${type} (list)` : `${type} in mesh ${mesh} (list)`;

    const items: JsonObject[] = [];
    // Names seen, by mesh: no `mesh/name` string to build and hash for each of 50,000 items.
    const named = new Map<string, Set<string>>();
    const seen = new Set<string>();
    let path: string | undefined = `${listPath}?size=${this.#pageSize}`;
    for (let page = 0; path !== undefined; page++) {
      if (page >= MAX_PAGES) throw new BackendError(`${subject}: more than ${MAX_PAGES} pages, giving up`);
      seen.add(path);
      const res = await this.#request("GET", path, subject);
      if (res.status === 404 && page === 0 && !everywhere && isMeshNotFound(res.text)) {
        // The mesh does not exist yet (a plan that creates it): nothing of this type lives there.
        return [];
      }
      if (res.status !== 200) throw this.#failure(subject, "GET", res);
      const body = asObject(parseJson(res.text));
      const pageItems = body?.items;
      if (!body || !Array.isArray(pageItems)) {
        throw new BackendError(`${subject}: the answer is not a list (no "items"): ${summarize(this.#redact(res.text))}`, { status: res.status });
      }
      for (const item of pageItems) {
        const o = asObject(item);
        if (!o || typeof o.name !== "string") throw new BackendError(`${subject}: a list item has no name`, { status: res.status });
        // Offset pagination over a store that changes can repeat an item across pages: keep one per mesh and name.
        const mesh = typeof o.mesh === "string" ? o.mesh : "";
        let names = named.get(mesh);
        if (!names) named.set(mesh, (names = new Set()));
        if (names.has(o.name)) continue;
        names.add(o.name);
        items.push(o);
      }
      const next = body.next;
      if (typeof next !== "string" || next === "") {
        path = undefined;
        continue;
      }
      path = this.#followNext(next, path, subject);
      if (seen.has(path)) throw new BackendError(`${subject}: the server's "next" link repeats ${path}; stopping`);
    }
    return items;
  }

  async get(key: ResourceKey): Promise<JsonObject | undefined> {
    const route = await this.#route(key.type);
    const subject = subjectFor(route, key);
    const res = await this.#request("GET", this.#itemPath(route, key), subject);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.#failure(subject, "GET", res);
    const o = asObject(parseJson(res.text));
    if (!o) throw new BackendError(`${subject}: GET answered with something that is not a JSON object: ${summarize(this.#redact(res.text))}`);
    return o;
  }

  async put(object: JsonObject): Promise<PutResult> {
    const type = object.type;
    const name = object.name;
    if (typeof type !== "string" || type === "") throw new BackendError("cannot PUT an object without a type");
    if (typeof name !== "string" || name === "") throw new BackendError(`cannot PUT a ${type} without a name`);
    const route = await this.#route(type);

    let key: ResourceKey;
    let body: JsonObject;
    if (route.name === "Mesh" || route.scope === "Global") {
      // The Mesh (and global types) must not carry `mesh`: the API would read it as an unknown field at best.
      const { mesh: _mesh, ...rest } = object;
      body = rest;
      key = { type, mesh: route.name === "Mesh" ? name : GLOBAL_SCOPE, name };
    } else {
      const mesh = object.mesh;
      // Without `mesh` the server defaults it to "default" and then refuses the PUT for any other mesh in the URL,
      // so an object without one is a bug upstream, not something to guess.
      if (typeof mesh !== "string" || mesh === "") throw new BackendError(`cannot PUT ${type}/${name}: the object has no mesh`);
      body = { ...object, mesh };
      key = { type, mesh, name };
    }
    const subject = subjectFor(route, key);
    const res = await this.#request("PUT", this.#itemPath(route, key), subject, JSON.stringify(body));
    // What the answer may quote of the body: its secrets are cut out of an error or a warning.
    if (res.status !== 200 && res.status !== 201) throw this.#failure(subject, "PUT", res, secretSpellingsOf(body));
    const answer = asObject(parseJson(res.text));
    const warnings = Array.isArray(answer?.warnings) ? answer.warnings.filter((w): w is string => typeof w === "string") : [];
    const quoted = warnings.length > 0 ? secretSpellingsOf(body) : [];
    return { created: res.status === 201, warnings: warnings.map((w) => this.#redact(w, quoted)), ...(res.unanswered ? { outcomeUnknown: true as const } : {}) };
  }

  async delete(key: ResourceKey): Promise<DeleteResult> {
    const route = await this.#route(key.type);
    const subject = subjectFor(route, key);
    const res = await this.#request("DELETE", this.#itemPath(route, key), subject);
    const unknown = res.unanswered ? { outcomeUnknown: true as const } : {};
    if (res.status === 404) return { found: false, ...unknown };
    if (res.status >= 200 && res.status < 300) return { found: true, ...unknown };
    throw this.#failure(subject, "DELETE", res);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of [...this.#sleepers]) wake();
    this.#agent.destroy();
  }

  // ---- paths -------------------------------------------------------------------------------------------------------

  async #route(type: string): Promise<TypeRoute> {
    if (type === "Mesh") return { name: "Mesh", path: "meshes", scope: "Global" };
    const known = resourceType(type);
    if (known) return { name: known.name, path: known.path, scope: known.global ? "Global" : "Mesh" };
    // Not in meshops' catalogue: ask the control plane once (GET /_resources) where it lives.
    this.#discovered ??= this.types().then(
      (types) => new Map(types.map((t) => [t.name, { name: t.name, path: t.path, scope: t.scope }])),
      (error: unknown) => {
        this.#discovered = undefined;
        throw error;
      },
    );
    const found = (await this.#discovered).get(type);
    if (!found) throw new BackendError(`unknown resource type ${type}: neither meshops nor the control plane (GET /_resources) knows it`);
    return found;
  }

  #itemPath(route: TypeRoute, key: ResourceKey): string {
    if (route.name === "Mesh") return `/meshes/${seg(key.name)}`;
    if (route.scope === "Global") return `/${seg(route.path)}/${seg(key.name)}`;
    return `/meshes/${seg(key.mesh)}/${seg(route.path)}/${seg(key.name)}`;
  }

  /**
   * `next` is absolute and built from the Host the server saw, which behind a proxy or under a prefix (Konnect) is not
   * ours. Keep its path and query only, drop our base path from its front when the server included it (the server is
   * mounted under the same prefix), and send it to our own base URL.
   */
  #followNext(next: string, current: string, subject: string): string {
    let url: URL;
    try {
      url = new URL(next, this.#origin + this.#prefix + current);
    } catch {
      throw new BackendError(`${subject}: invalid "next" link in the answer: ${summarize(this.#redact(next))}`);
    }
    let path = url.pathname;
    if (this.#prefix !== "" && (path === this.#prefix || path.startsWith(this.#prefix + "/"))) path = path.slice(this.#prefix.length);
    if (!path.startsWith("/")) path = "/" + path;
    return path + url.search;
  }

  // ---- transport ---------------------------------------------------------------------------------------------------

  async #getJson(path: string, subject: string): Promise<JsonValue> {
    const res = await this.#request("GET", path, subject);
    if (res.status !== 200) throw this.#failure(subject, "GET", res);
    const body = parseJson(res.text);
    if (body === undefined) throw new BackendError(`${subject}: the answer is not JSON: ${summarize(this.#redact(res.text))}`);
    return body;
  }

  /**
   * Sends one request with retries. Resolves with the last response (whatever its status) once it is not worth
   * retrying or the retries are spent; rejects only when no response came at all.
   */
  async #request(method: string, path: string, subject: string, body?: string): Promise<HttpResponse> {
    const closedError = (cause?: unknown): BackendError =>
      new BackendError(`${subject}: ${method} ${cause === undefined ? "not sent" : "interrupted"}: the backend is closed`, { cause });
    let timeouts = 0;
    let unanswered = false;
    let tokenRefreshed = false;
    let certificateRefreshed = false;
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw closedError();
      let response: Omit<HttpResponse, "attempts" | "unanswered" | "path"> | undefined;
      let failure: unknown;
      await this.#limiter.acquire();
      if (this.#closed) {
        this.#limiter.release();
        throw closedError();
      }
      // Measured from the moment a slot is ours: time spent queueing behind the concurrency bound is not the server's.
      const started = performance.now();
      try {
        response = await this.#once(method, path, body);
      } catch (error) {
        failure = error;
      } finally {
        this.#limiter.release();
      }
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      this.#emit({
        method,
        path,
        ...(response ? { status: response.status } : { error: this.#redact(this.#describe(failure)) }),
        durationMs,
        attempt,
      });

      if (errorCode(failure) === "MESHOPS_TIMEOUT") timeouts++;
      if (method !== "GET" && (response ? isGatewayFailure(response.status) : mayHaveArrived(failure))) unanswered = true;
      const canRetry = attempt <= this.#retries && timeouts < this.#maxTimeouts && !this.#closed;
      if (response) {
        // A rotated token: the file changed since the last look. Tried again at once, once.
        if (response.status === 401 && !tokenRefreshed && !this.#closed) {
          tokenRefreshed = true;
          if (this.#tokens.refresh()) continue;
        }
        if (!isRetryableStatus(response.status) || !canRetry) return { ...response, attempts: attempt, unanswered, path };
        await this.#sleep(retryAfterMs(response.headers["retry-after"]) ?? this.#backoff(attempt));
        // Closed while waiting: report the failure we have rather than a bare "closed".
        if (this.#closed) return { ...response, attempts: attempt, unanswered, path };
        continue;
      }
      // close() destroys the sockets under in-flight requests: that is not the server's fault.
      if (this.#closed) throw closedError(failure);
      // A refused certificate: its files may hold a renewed pair already, as a 401 looks at the token file. Tried again
      // at once with the new pair, once.
      if (!certificateRefreshed && this.#certificateRefused(failure)) {
        certificateRefreshed = true;
        if (this.#clientCertificate?.refresh()) continue;
      }
      const retryable = isRetryableNetworkError(failure);
      if (!retryable || !canRetry) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : "";
        throw new BackendError(
          this.#redact(`${subject}: ${method} ${this.#origin}${this.#requestedPath(path)} failed${tries}${this.#through()}: ${this.#describe(failure)}${this.#nextStep(failure)}`),
          { retryable, outcomeUnknown: unanswered, cause: failure },
        );
      }
      await this.#sleep(this.#backoff(attempt));
    }
  }

  #once(method: string, path: string, body: string | undefined): Promise<Omit<HttpResponse, "attempts" | "unanswered" | "path">> {
    const url = new URL(this.#origin + this.#prefix + path);
    const headers: http.OutgoingHttpHeaders = { accept: "application/json", "user-agent": "meshops" };
    const token = this.#tokens.current();
    if (token !== undefined) {
      this.#sentTokens.add(token);
      headers.authorization = `Bearer ${token}`;
    }
    let payload: Buffer | undefined;
    if (body !== undefined) {
      payload = Buffer.from(body, "utf8");
      headers["content-type"] = "application/json";
      headers["content-length"] = payload.length;
    }
    const send = this.#https ? https.request : http.request;

    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      // Per request, not the agent's: a renewed certificate is used from the next connection on (the agent keeps the
      // connections of each pair apart), and through a proxy it goes to the control plane inside the tunnel only.
      const tls = this.#clientCertificate?.current();
      let answered = false;
      const req = send(url, { method, headers, agent: this.#agent, ...(tls ? { cert: tls.cert, key: tls.key } : {}) }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", (error) => settle(() => reject(error)));
        // Settles only if neither "end" nor "error" did: the socket went away mid-answer.
        res.on("close", () => settle(() => reject(codedError("ECONNRESET", "the connection closed before the whole answer arrived"))));
        res.on("end", () => {
          if (!res.complete) {
            settle(() => reject(codedError("ECONNRESET", "the connection closed before the whole answer arrived")));
            return;
          }
          settle(() =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
          );
        });
      });
      const timer = setTimeout(() => {
        req.destroy(codedError("MESHOPS_TIMEOUT", `no complete answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      req.on("error", (error) => {
        if (tls && !answered && !req.reusedSocket && errorCode(error) === "ECONNRESET") this.#handshakeResets.add(error);
        settle(() => reject(error));
      });
      req.end(payload);
    });
  }

  #backoff(attempt: number): number {
    return backoffDelay(attempt, { baseMs: this.#retryBaseMs, maxMs: this.#retryMaxDelayMs }, Math.random, "full");
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  #emit(event: RequestEvent): void {
    if (!this.#onRequest) return;
    try {
      this.#onRequest(event);
    } catch {
      // A broken log or metrics hook must not fail a request.
    }
  }

  /**
   * A text of the server's as a message may quote it: a JSON text with its secrets redacted (src/kuma/secretFields.ts: a
   * Secret the answer holds), and every token sent and every spelling of `secrets` (those of the request) cut out.
   */
  #redact(text: string, secrets: readonly string[] = []): string {
    const json = /^\s*[[{]/.test(text) ? parseJson(text) : undefined;
    let out = json !== undefined && json !== null && typeof json === "object" ? JSON.stringify(redact({ answer: json }).answer) : text;
    for (const secret of [...this.#sentTokens, ...secrets]) out = out.split(secret).join("<redacted>");
    return out;
  }

  /** A TLS alert that the client certificate was not accepted, or a reset of the handshake (#handshakeResets). */
  #certificateRefused(failure: unknown): boolean {
    if (this.#clientCertificate === undefined) return false;
    const code = errorCode(failure);
    return (code !== undefined && CLIENT_CERTIFICATE_ALERTS.has(code)) || this.#handshakeReset(failure);
  }

  #handshakeReset(failure: unknown): boolean {
    return typeof failure === "object" && failure !== null && this.#handshakeResets.has(failure);
  }

  /** A failure without a response, in words ("socket hang up" says nothing of a handshake the server closed). */
  #describe(failure: unknown): string {
    if (this.#handshakeReset(failure)) return "the control plane closed the connection during the TLS handshake (ECONNRESET)";
    return describeNetworkError(failure, this.#timeoutMs, this.#caGiven);
  }

  /** What to do when nothing listens at the address (through a proxy, the address refused may be the proxy's). */
  #nextStep(failure: unknown): string {
    const code = errorCode(failure);
    if (code !== undefined && CLIENT_CERTIFICATE_ALERTS.has(code)) {
      if (this.#clientCertificate === undefined) {
        // Only TLS 1.3 says so; 1.2's alerts have other causes too.
        const asks = code === "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" ? "the control plane asks for a client certificate" : "if the control plane asks for a client certificate";
        return `: ${asks}: give --client-cert-file and --client-key-file`;
      }
      // TLS 1.2's handshake failure may be a cipher or protocol mismatch as well.
      const refused = code === "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE" ? "if the control plane refused the client certificate" : "the control plane refused the client certificate";
      return `: ${refused} in ${this.#clientCertificate.origin}: ${CLIENT_CERTIFICATE_CHECK}`;
    }
    // A Node.js server (or a TLS terminator) that refuses a client certificate may close the connection without an alert.
    if (this.#clientCertificate !== undefined && this.#handshakeReset(failure)) return ` and may not trust the certificate in ${this.#clientCertificate.origin}: ${CLIENT_CERTIFICATE_CHECK}`;
    if (this.#proxy !== undefined || code !== "ECONNREFUSED") return "";
    return ": nothing listens there: start the control plane, or give --cp-url its API address";
  }

  /** " from --token-file …" when the token's source says where it comes from. */
  #tokenOrigin(): string {
    return this.#tokens.origin === undefined ? "" : ` from ${this.#tokens.origin}`;
  }

  /**
   * The URL path a request went to, as an error names it: without the query, which a server's `next` link fills and
   * might fill with a token (the base URL has no credentials and no query: the constructor refuses them).
   */
  #requestedPath(path: string): string {
    return this.#prefix + path.replace(/[?#].*$/s, "");
  }

  /** " through the proxy <url>" when there is one: a network error may be the proxy's. */
  #through(): string {
    return this.#proxy === undefined ? "" : ` through the proxy ${proxyForMessage(this.#proxy.href)}`;
  }

  /** Turns a response that is not the expected success into a BackendError that names the resource and the cause. */
  #failure(subject: string, method: string, res: HttpResponse, secrets: readonly string[] = []): BackendError {
    const status = res.status;
    const problem = parseProblem(res.text);
    // The control plane's words, one line each (a wrapped error or a proxy's text may span lines): a report gives every
    // change one line. Redacted first, while the token still reads as it was sent.
    const invalidParameters = (problem?.invalidParameters ?? []).map((p) => ({ field: oneLine(this.#redact(p.field, secrets)), reason: oneLine(this.#redact(p.reason, secrets)) }));
    const detail = problem?.detail ? oneLine(this.#redact(problem.detail, secrets)) : undefined;
    const head = detail ? `${status} ${detail}` : `${status}`;
    const retryable = isRetryableStatus(status);
    const tries = res.attempts > 1 ? ` after ${res.attempts} attempts` : "";
    const options = { status, invalidParameters, retryable, outcomeUnknown: res.unanswered };
    // The method and the path asked for: the subject names the resource, not which URL answered (a wrong prefix).
    const sent = `${method} ${this.#requestedPath(res.path)}`;

    if (status === 401 || status === 403) {
      const why =
        this.#tokens.current() === undefined
          ? "the control plane requires a token with access to this resource (--token-file or MESHOPS_CP_TOKEN)"
          : status === 401
            ? `the control plane refused the token${this.#tokenOrigin()} (invalid or expired)`
            : `the control plane refused the token${this.#tokenOrigin()}: it does not grant access to this resource`;
      return new BackendError(`${subject}: ${sent} refused (${head}): ${why}`, options);
    }
    if (status === 405 && (method === "PUT" || method === "DELETE")) {
      return new BackendError(
        `${subject}: ${sent} refused (${head}): the control plane API is read-only. Kubernetes-mode control planes ` +
          "(and types a zone or global does not own) cannot be written over the REST API: apply through Kubernetes instead",
        options,
      );
    }
    if (status === 407) {
      const proxy = this.#proxy === undefined ? "" : ` ${proxyForMessage(this.#proxy.href)}`;
      return new BackendError(`${subject}: ${sent} refused (${head}) by the proxy${proxy}: give its credentials in the proxy URL (http://user:password@host:port)`, options);
    }
    const verb = retryable ? "failed" : "refused";
    if (problem) {
      const fields = invalidParameters.map((p) => (p.field ? `${p.field}: ${p.reason}` : p.reason)).join("; ");
      return new BackendError(`${subject}: ${sent} ${verb}${tries} (${head})${fields ? `: ${fields}` : ""}`, options);
    }
    const summary = summarize(this.#redact(res.text, secrets));
    return new BackendError(
      `${subject}: ${sent} ${verb}${tries} (${status}${http.STATUS_CODES[status] ? ` ${http.STATUS_CODES[status]}` : ""})${summary ? `: ${summary}` : ""}`,
      options,
    );
  }
}

// ---- helpers ---------------------------------------------------------------------------------------------------------

/**
 * Kubernetes when every type meshops manages that the control plane serves is read-only: KUMA_API_SERVER_READ_ONLY,
 * which the Helm chart sets. A federated zone (read-only Meshes only) and a global (read-only Dataplanes) are not.
 */
export function environmentOf(types: readonly TypeInfo[]): ControlPlaneEnvironment {
  const managed = types.filter((t) => resourceType(t.name) !== undefined);
  return managed.length > 0 && managed.every((t) => t.readOnly) ? "kubernetes" : "universal";
}

/** `Type/mesh/name`, `Mesh/name`, or `Type/name` for the other global-scoped types. */
function subjectFor(route: TypeRoute, key: ResourceKey): string {
  return route.scope === "Global" && route.name !== "Mesh" ? `${key.type}/${key.name}` : subjectOf(key);
}

/** A token given once (a flag, an environment variable): it never changes. */
/** A token that never changes (`origin`: where it comes from, for messages). */
export function fixedToken(value: string | undefined, origin?: string): TokenSource {
  const token = value === undefined || value.trim() === "" ? undefined : value.trim();
  if (token !== undefined && /[\r\n]/.test(token)) throw new BackendError("the control plane token contains a line break");
  return { current: () => token, refresh: () => false, ...(origin !== undefined ? { origin } : {}) };
}

function readCa(caFile: string): string {
  if (caFile.includes("-----BEGIN")) return caFile;
  try {
    const pem = readFileSync(caFile, "utf8");
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate in it");
    return pem;
  } catch (error) {
    throw new BackendError(`cannot read the CA file ${caFile}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new BackendError(`${name} must be a positive integer, not ${value}`);
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new BackendError(`${name} must be a non-negative integer, not ${value}`);
  return value;
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

function optionalString<K extends string>(o: JsonObject, key: K): { [P in K]?: string } {
  const v = o[key];
  return (typeof v === "string" ? { [key]: v } : {}) as { [P in K]?: string };
}

function parseJson(text: string): JsonValue | undefined {
  if (!/\S/.test(text)) return undefined; // not text.trim(): that copies a whole list page just to test it
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

interface Problem {
  readonly detail?: string;
  readonly invalidParameters: InvalidParameter[];
}

/** Kuma's error JSON: `detail` (or the deprecated `details`, or `title`), `invalid_parameters` (or deprecated `causes`). */
function parseProblem(text: string): Problem | undefined {
  const o = asObject(parseJson(text));
  if (!o) return undefined;
  const str = (v: JsonValue | undefined): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  const detail = str(o.detail) ?? str(o.details) ?? str(o.title) ?? str(o.message);
  const invalidParameters: InvalidParameter[] = [];
  const params = Array.isArray(o.invalid_parameters) ? o.invalid_parameters : Array.isArray(o.causes) ? o.causes : [];
  for (const p of params) {
    const po = asObject(p);
    if (!po) continue;
    const reason = str(po.reason) ?? str(po.message);
    if (reason === undefined) continue;
    invalidParameters.push({ field: typeof po.field === "string" ? po.field : "", reason });
  }
  if (detail === undefined && invalidParameters.length === 0) return undefined;
  return { ...(detail === undefined ? {} : { detail }), invalidParameters };
}

/**
 * Listing in a mesh that does not exist answers 404 `{"title":"Failed to retrieve Mesh","detail":"Not found"}`. Any
 * other 404 on a list (a proxy page, a wrong base path, a type this control plane does not serve) is an error, not an
 * empty list: treating it as empty would plan to create everything.
 */
function isMeshNotFound(text: string): boolean {
  const o = asObject(parseJson(text));
  return typeof o?.title === "string" && /\bmesh\b/i.test(o.title);
}

/** The text on one line: every run of whitespace (line breaks included) one space. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function summarize(text: string): string {
  const flat = oneLine(text);
  return flat.length > ERROR_SUMMARY_CHARS ? `${flat.slice(0, ERROR_SUMMARY_CHARS)}…` : flat;
}

/**
 * A proxy's answer that the control plane behind it did not answer in time (504) or broke off (502): the request may
 * have reached it and be applied, as a timeout's. Kuma's API server answers neither itself.
 */
function isGatewayFailure(status: number): boolean {
  return status === 502 || status === 504;
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

function errorCode(error: unknown): string | undefined {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") return error.code;
  return undefined;
}

/**
 * An attempt that failed after its request may have reached the server: it timed out, or the connection broke while
 * waiting for the answer. (A refused connection, a name that does not resolve or a TLS failure sent nothing.)
 */
function mayHaveArrived(error: unknown): boolean {
  const code = errorCode(error);
  if (code === "MESHOPS_TIMEOUT" || code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET" || code === "ERR_STREAM_PREMATURE_CLOSE") return true;
  return code === undefined && error instanceof Error && /socket hang up/i.test(error.message);
}

function isRetryableNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  if (code === "MESHOPS_TIMEOUT") return true;
  if (code !== undefined) return RETRYABLE_NETWORK_CODES.has(code);
  return error instanceof Error && /socket hang up/i.test(error.message);
}

function describeNetworkError(error: unknown, timeoutMs: number, caGiven: boolean): string {
  const code = errorCode(error);
  if (code === "MESHOPS_TIMEOUT") return `timed out (no complete answer within ${timeoutMs} ms)`;
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && TLS_TRUST_CODES.has(code)) {
    return caGiven
      ? `TLS: ${message} (is --ca-file the CA that signed the control plane's certificate?)`
      : `TLS: ${message} (no CA this machine trusts signed the control plane's certificate: pass the one that did with --ca-file)`;
  }
  // OpenSSL's own line ("8033…:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:
  // ../deps/openssl/…c:1601:SSL alert number 116", and a line break) says the alert in its words; only those are kept.
  const alert = /:((?:sslv3|tlsv1|tlsv13) alert [a-z ]+):/i.exec(message);
  if (code !== undefined && alert) return `TLS: ${alert[1]} (${code})`;
  // OpenSSL's words for a first record that is no TLS record: the server answered in plain text (HTTP).
  if (code === "EPROTO" && /wrong version number|packet length too long/i.test(message)) {
    return "TLS: the server does not answer in TLS: if it serves plain HTTP, write its address with http://";
  }
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
