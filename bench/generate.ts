/**
 * Synthetic config repositories for the benchmark (and for anyone who needs a big, valid repository):
 *
 *   meshops.yaml                         a tenancy rule binding meshes/{mesh}/** to its mesh
 *   meshes/mesh-0001/mesh.yaml           the Mesh (mTLS on most, varied skipCreatingInitialPolicies)
 *   meshes/mesh-0001/services.yaml       4 MeshServices the policies refer to
 *   meshes/mesh-0001/policies-01.yaml    5 policies per file, `---` separated
 *   ...
 *
 * The split: real repositories group a handful of related documents per file (see sample-repo/: 1 to 6 per
 * file), so a mesh's policies go 5 to a file (50 policies = 10 files of 5). That keeps both the per-file cost
 * (Git blob reads, YAML parser set-up) and the per-document cost (schema and semantic checks) in the measurement,
 * with files of 2-4 KB like a hand-written repository. 1,000 meshes x 50 policies = 12,001 files, 55,000 resources.
 *
 * Every document is valid for Kuma 2.14 (rest.yaml schemas, validator rules of kuma-reference/FACTS.md §4):
 * policies cycle through ten types with values varied per mesh and per policy, and every MeshService a
 * targetRef or backendRef names exists in the same mesh. With shape "mixed", odd meshes are Universal and even
 * meshes Kubernetes; "kubernetes-apps" puts every mesh's documents (Kubernetes shape) in an application namespace of
 * its own (`<mesh>-apps`) rather than the system namespace, as application teams write them on a zone.
 *
 *   node dist/bench/generate.js <dir> [meshes=1000] [policies=50] [mixed|universal|kubernetes|kubernetes-apps]
 *   (a fifth argument, no-services, leaves the MeshServices out, as on a Kubernetes zone)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

export type RepoShape = "mixed" | "universal" | "kubernetes" | "kubernetes-apps";
export const REPO_SHAPES: readonly RepoShape[] = ["mixed", "universal", "kubernetes", "kubernetes-apps"];

export interface GenerateOptions {
  meshes: number;
  policiesPerMesh: number;
  shape?: RepoShape;
  /**
   * false: the MeshServices the policies refer to are not in the repository, as on a Kubernetes zone, where the
   * control plane generates them from Services (every reference is then a zone-provided one). Default true.
   */
  servicesInRepository?: boolean;
}

export interface GeneratedRepo {
  /** Files written (meshops.yaml included). */
  files: number;
  /** YAML documents written: Meshes, MeshServices and policies. */
  resources: number;
}

/** Policies per file (see the header comment). */
const DOCS_PER_FILE = 5;
const SERVICES_PER_MESH = 4;
/** Meshes whose files are being written concurrently. */
const MESHES_IN_FLIGHT = 8;
const SYSTEM_NAMESPACE = "kuma-system";
const GIT_IDENTITY = ["-c", "user.name=meshops-bench", "-c", "user.email=bench@meshops.invalid", "-c", "commit.gpgsign=false"];

const SERVICE_POOL = ["web", "api", "orders", "inventory", "billing", "search", "catalog", "auth", "notifications", "reports", "cart", "shipping"];
const TEAMS = ["storefront", "fulfilment", "identity", "data", "platform", "growth"];

// ---------------------------------------------------------------------------------------------------------------
// A minimal YAML emitter for the plain JSON trees built below: block style, `key:` then an indented `- ` list,
// strings left plain when YAML would read them back as the same string, double-quoted (JSON escaping) otherwise.

type Yaml = string | number | boolean | Yaml[] | { [key: string]: Yaml };

const PLAIN_STRING = /^[A-Za-z0-9/][A-Za-z0-9_./-]*$/;
const LOOKS_LIKE_NUMBER = /^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0[xob]/;
const RESERVED_WORD = /^(true|false|yes|no|on|off|y|n|null)$/i;

function scalar(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  return PLAIN_STRING.test(value) && !LOOKS_LIKE_NUMBER.test(value) && !RESERVED_WORD.test(value) ? value : JSON.stringify(value);
}

function isEmpty(value: Yaml): boolean {
  return typeof value === "object" && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);
}

function emitMapping(out: string[], map: { [key: string]: Yaml }, indent: string): void {
  for (const [key, value] of Object.entries(map)) {
    const k = scalar(key);
    if (typeof value !== "object") out.push(`${indent}${k}: ${scalar(value)}`);
    else if (isEmpty(value)) out.push(`${indent}${k}: ${Array.isArray(value) ? "[]" : "{}"}`);
    else {
      out.push(`${indent}${k}:`);
      if (Array.isArray(value)) emitSequence(out, value, `${indent}  `);
      else emitMapping(out, value, `${indent}  `);
    }
  }
}

function emitSequence(out: string[], list: Yaml[], indent: string): void {
  for (const item of list) {
    if (typeof item !== "object") out.push(`${indent}- ${scalar(item)}`);
    else if (isEmpty(item)) out.push(`${indent}- ${Array.isArray(item) ? "[]" : "{}"}`);
    else {
      const start = out.length;
      if (Array.isArray(item)) emitSequence(out, item, `${indent}  `);
      else emitMapping(out, item, `${indent}  `);
      out[start] = `${indent}- ${(out[start] as string).slice(indent.length + 2)}`;
    }
  }
}

function toYaml(doc: { [key: string]: Yaml }, comment?: string): string {
  const out: string[] = comment ? [`# ${comment}`] : [];
  emitMapping(out, doc, "");
  return out.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------------------------
// Resources

type Format = "universal" | "kubernetes";

interface MeshContext {
  readonly index: number;
  readonly name: string;
  readonly format: Format;
  readonly services: readonly string[];
  readonly team: string;
  /** Where its Kubernetes documents live. */
  readonly namespace: string;
}

/** Deterministic pseudo-random integer in [0, n) from a few integers (values vary per mesh and per policy). */
function pick(n: number, ...seed: number[]): number {
  let h = 2166136261;
  for (const s of seed) {
    h ^= s + 0x9e3779b9;
    h = Math.imul(h, 16777619) >>> 0;
    h ^= h >>> 13;
  }
  return (h >>> 0) % n;
}

function choose<T>(list: readonly T[], ...seed: number[]): T {
  return list[pick(list.length, ...seed)] as T;
}

function document(mesh: MeshContext, type: string, name: string, spec: { [key: string]: Yaml }): { [key: string]: Yaml } {
  const labels = { team: mesh.team };
  if (mesh.format === "universal") return { type, name, mesh: mesh.name, labels, spec };
  return {
    apiVersion: "kuma.io/v1alpha1",
    kind: type,
    metadata: { name, namespace: mesh.namespace, labels: { "kuma.io/mesh": mesh.name, ...labels } },
    spec,
  };
}

function meshResource(mesh: MeshContext): { [key: string]: Yaml } {
  const fields: { [key: string]: Yaml } = {};
  // Most meshes run mTLS (MeshTrafficPermission only has an effect with it); every third one does not yet.
  if (mesh.index % 3 !== 0) {
    const backend = `ca-${mesh.index % 2 === 0 ? "1" : "2"}`;
    fields.mtls = {
      enabledBackend: backend,
      backends: [{ name: backend, type: "builtin", ...(mesh.index % 5 === 0 ? { mode: "PERMISSIVE" } : {}) }],
    };
  }
  fields.meshServices = { mode: "Exclusive" };
  // A realistic spread of default-policy settings: none skipped, all skipped, some skipped.
  const skip = [[], ["*"], ["MeshRetry", "MeshCircuitBreaker"], ["MeshTimeout"]][mesh.index % 4] as string[];
  if (skip.length > 0) fields.skipCreatingInitialPolicies = skip;
  if (mesh.format === "universal") return { type: "Mesh", name: mesh.name, ...fields };
  return { apiVersion: "kuma.io/v1alpha1", kind: "Mesh", metadata: { name: mesh.name }, spec: fields };
}

function meshService(mesh: MeshContext, service: string): { [key: string]: Yaml } {
  const dataplaneTags: { [key: string]: string } =
    mesh.format === "universal" ? { "kuma.io/service": service } : { app: service, "k8s.kuma.io/namespace": mesh.name };
  return document(mesh, "MeshService", service, {
    selector: { dataplaneTags },
    ports: [{ name: "http", port: 8080, targetPort: 8080, appProtocol: "http" }],
  });
}

/** The tag that names a caller in MeshTrafficPermission `from` (kuma.io/service on Universal, the pod's app label on Kubernetes). */
function callerTags(mesh: MeshContext, service: string): { [key: string]: string } {
  return mesh.format === "universal" ? { "kuma.io/service": service } : { app: service };
}

const workload = (service: string): { [key: string]: Yaml } => ({ kind: "Dataplane", labels: { app: service } });
const serviceRef = (service: string): { [key: string]: Yaml } => ({ kind: "MeshService", name: service });
const wholeMesh: { [key: string]: Yaml } = { kind: "Mesh" };

function outlierDetectors(seed: number): Yaml {
  if (pick(2, seed, 8) === 0) return { totalFailures: { consecutive: 3 + pick(5, seed, 9) } };
  return {
    gatewayFailures: { consecutive: 3 + pick(5, seed, 9) },
    failurePercentage: { requestVolume: 50, minimumHosts: 3, threshold: choose([70, 80, 85, 90], seed, 10) },
  };
}

function accessLogBackend(service: string, seed: number): Yaml {
  if (pick(2, seed, 1) === 0) {
    const plain = "[%START_TIME%] %RESPONSE_CODE% %KUMA_SOURCE_SERVICE% -> %KUMA_DESTINATION_SERVICE% %DURATION%ms";
    return { type: "File", file: { path: `/var/log/envoy/${service}.log`, format: { type: "Plain", plain } } };
  }
  const json = [
    { key: "start_time", value: "%START_TIME%" },
    { key: "status", value: "%RESPONSE_CODE%" },
    { key: "duration_ms", value: "%DURATION%" },
  ];
  return { type: "File", file: { path: "/dev/stdout", format: { type: "Json", json } } };
}

interface PolicyKind {
  readonly type: string;
  readonly prefix: string;
  spec(mesh: MeshContext, service: string, other: string, round: number, seed: number): { [key: string]: Yaml };
}

/** The ten policy types the generator cycles through, in order; each produces a valid spec with varied values. */
const POLICY_KINDS: readonly PolicyKind[] = [
  {
    type: "MeshTimeout",
    prefix: "timeout",
    spec: (_m, service, _o, _r, seed) => ({
      targetRef: wholeMesh,
      to: [
        {
          targetRef: serviceRef(service),
          default: {
            connectionTimeout: `${1 + pick(5, seed, 1)}s`,
            idleTimeout: `${choose([5, 10, 15, 30, 60], seed, 2)}m`,
            http: {
              requestTimeout: `${5 + pick(56, seed, 3)}s`,
              streamIdleTimeout: choose(["30s", "1m", "2m", "5m"], seed, 4),
            },
          },
        },
      ],
    }),
  },
  {
    type: "MeshRetry",
    prefix: "retry",
    spec: (_m, service, other, _r, seed) => {
      const backOff = { baseInterval: `${choose([25, 50, 100], seed, 1)}ms`, maxInterval: `${choose([250, 500, 1000], seed, 2)}ms` };
      const conf: { [key: string]: Yaml } = {
        tcp: { maxConnectAttempt: 1 + pick(5, seed, 3) },
        http: {
          numRetries: 1 + pick(5, seed, 4),
          perTryTimeout: `${2 + pick(15, seed, 5)}s`,
          backOff,
          retryOn: choose([["5xx", "ConnectFailure"], ["ConnectFailure", "RefusedStream"], ["GatewayError", "Reset", "503"], ["5xx", "Retriable4xx"]], seed, 6),
        },
      };
      if (pick(3, seed, 7) === 0) conf.grpc = { numRetries: 1 + pick(3, seed, 8), backOff, retryOn: ["Unavailable", "DeadlineExceeded"] };
      return { targetRef: workload(other), to: [{ targetRef: serviceRef(service), default: conf }] };
    },
  },
  {
    type: "MeshCircuitBreaker",
    prefix: "circuit-breaker",
    spec: (_m, service, _o, _r, seed) => ({
      targetRef: wholeMesh,
      to: [
        {
          targetRef: serviceRef(service),
          default: {
            connectionLimits: {
              maxConnections: choose([256, 512, 1024, 2048], seed, 1),
              maxPendingRequests: choose([128, 256, 512], seed, 2),
              maxRequests: choose([256, 512, 1024], seed, 3),
              maxRetries: 1 + pick(5, seed, 4),
            },
            outlierDetection: {
              interval: `${choose([5, 10, 30], seed, 5)}s`,
              baseEjectionTime: `${choose([30, 60, 120], seed, 6)}s`,
              maxEjectionPercent: choose([10, 20, 34, 50], seed, 7),
              detectors: outlierDetectors(seed),
            },
          },
        },
      ],
    }),
  },
  {
    type: "MeshHTTPRoute",
    prefix: "route",
    spec: (_m, service, other, round, seed) => ({
      targetRef: workload(other),
      to: [
        {
          targetRef: serviceRef(service),
          rules: [
            {
              matches: [{ path: { type: "PathPrefix", value: `/api/v${round + 1}` } }],
              default: {
                filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-api-version", value: `v${round + 1}` }] } }],
                backendRefs: [{ kind: "MeshService", name: service, port: 8080 }],
              },
            },
            {
              matches: [{ path: { type: "Exact", value: `/legacy/${choose(["items", "search", "status", "export"], seed, 1)}` }, method: "GET" }],
              default: {
                filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplaceFullPath", replaceFullPath: `/api/v${round + 1}/compat` } } }],
                backendRefs: [{ kind: "MeshService", name: service, port: 8080 }],
              },
            },
          ],
        },
      ],
    }),
  },
  {
    type: "MeshTrafficPermission",
    prefix: "permission",
    spec: (mesh, service, other, round) => ({
      targetRef: workload(service),
      from:
        round % 2 === 0
          ? [{ targetRef: { kind: "MeshSubset", tags: callerTags(mesh, other) }, default: { action: "Allow" } }]
          : [
              { targetRef: wholeMesh, default: { action: "Deny" } },
              { targetRef: { kind: "MeshSubset", tags: callerTags(mesh, other) }, default: { action: "Allow" } },
            ],
    }),
  },
  {
    type: "MeshHealthCheck",
    prefix: "health-check",
    spec: (_m, service, _o, _r, seed) => ({
      targetRef: wholeMesh,
      to: [
        {
          targetRef: serviceRef(service),
          default: {
            interval: `${choose([5, 10, 15, 30], seed, 1)}s`,
            timeout: `${1 + pick(3, seed, 2)}s`,
            unhealthyThreshold: 2 + pick(3, seed, 3),
            healthyThreshold: 1 + pick(2, seed, 4),
            ...(pick(4, seed, 5) === 0
              ? { tcp: { disabled: false } }
              : { http: { path: choose(["/healthz", "/ready", "/health/live"], seed, 6), expectedStatuses: [200] } }),
          },
        },
      ],
    }),
  },
  {
    type: "MeshRateLimit",
    prefix: "rate-limit",
    spec: (_m, service, _o, _r, seed) => ({
      targetRef: workload(service),
      rules: [
        {
          default: {
            local: {
              http: {
                requestRate: { num: choose([50, 100, 200, 500, 1000], seed, 1), interval: choose(["1s", "10s", "1m"], seed, 2) },
                onRateLimit: { status: 429, headers: { set: [{ name: "x-ratelimited", value: "true" }] } },
              },
            },
          },
        },
      ],
    }),
  },
  {
    type: "MeshAccessLog",
    prefix: "access-log",
    spec: (_m, service, _o, _r, seed) => ({
      targetRef: wholeMesh,
      to: [
        {
          targetRef: serviceRef(service),
          default: {
            backends: [
              accessLogBackend(service, seed),
            ],
          },
        },
      ],
    }),
  },
  {
    type: "MeshLoadBalancingStrategy",
    prefix: "load-balancing",
    spec: (_m, service, _o, _r, seed) => {
      const balancers: { [key: string]: Yaml }[] = [
        { type: "RoundRobin" },
        { type: "LeastRequest", leastRequest: { choiceCount: 2 + pick(3, seed, 1) } },
        { type: "RingHash", ringHash: { hashFunction: "XXHash", minRingSize: 1024, hashPolicies: [{ type: "Header", header: { name: "x-user-id" } }] } },
        { type: "Random" },
        { type: "Maglev", maglev: { hashPolicies: [{ type: "Cookie", cookie: { name: "session", path: "/" } }] } },
      ];
      return { targetRef: wholeMesh, to: [{ targetRef: serviceRef(service), default: { loadBalancer: choose(balancers, seed, 2) } }] };
    },
  },
  {
    type: "MeshFaultInjection",
    prefix: "fault-injection",
    spec: (_m, service, _o, _r, seed) => ({
      targetRef: workload(service),
      rules: [
        {
          default: {
            http:
              pick(2, seed, 1) === 0
                ? [{ delay: { value: `${choose([100, 250, 500, 2000], seed, 2)}ms`, percentage: 1 + pick(5, seed, 3) } }]
                : [{ abort: { httpStatus: choose([500, 503, 504], seed, 4), percentage: choose(["0.5", "1", "2.5"], seed, 5) } }],
          },
        },
      ],
    }),
  },
];

function policy(mesh: MeshContext, index: number): { [key: string]: Yaml } {
  const kind = POLICY_KINDS[index % POLICY_KINDS.length] as PolicyKind;
  const round = Math.floor(index / POLICY_KINDS.length);
  const service = mesh.services[index % mesh.services.length] as string;
  const other = mesh.services[(index + 1) % mesh.services.length] as string;
  const seed = mesh.index * 7919 + index;
  // Every eighth mesh (among those that get the MeshTimeout defaults, see meshResource) tunes its sidecar default
  // timeouts: a MeshTimeout with the default policy's exact name overrides it (and keeps the default's shape).
  if (index === 0 && mesh.index % 8 === 4 && mesh.namespace === SYSTEM_NAMESPACE) {
    return document(mesh, "MeshTimeout", `mesh-timeout-all-${mesh.name}`, {
      targetRef: { kind: "Mesh", proxyTypes: ["Sidecar"] },
      from: [{ targetRef: wholeMesh, default: { connectionTimeout: "10s", idleTimeout: "1h", http: { requestTimeout: "0s", streamIdleTimeout: "30m" } } }],
      to: [{ targetRef: wholeMesh, default: { connectionTimeout: "3s", idleTimeout: "30m", http: { requestTimeout: `${10 + pick(20, seed)}s` } } }],
    });
  }
  return document(mesh, kind.type, `${kind.prefix}-${service}-${round + 1}`, kind.spec(mesh, service, other, round, seed));
}

function meshFormat(shape: RepoShape, index: number): Format {
  if (shape === "mixed") return index % 2 === 1 ? "universal" : "kubernetes";
  return shape === "kubernetes-apps" ? "kubernetes" : shape;
}

function configFile(): string {
  return [
    "# Generated by bench/generate.ts.",
    "instance: meshops",
    "prune:",
    "  maxDeletes: 100",
    "  maxDeletePercent: 10",
    "drift:",
    "  mode: report",
    "tenancy:",
    "  - name: mesh-folders",
    '    path: "meshes/{mesh}/**"',
    "    forbidTypes:",
    "      - MeshProxyPatch",
    "      - MeshPassthrough",
    "",
  ].join("\n");
}

function git(dir: string, args: readonly string[]): string {
  return execFileSync("git", [...GIT_IDENTITY, "-c", "gc.auto=0", ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/**
 * Writes a synthetic repository into `dir` (created if missing; must be empty) and commits it on branch `main`.
 */
export async function generateRepo(dir: string, opts: GenerateOptions): Promise<GeneratedRepo> {
  const shape = opts.shape ?? "mixed";
  if (!Number.isInteger(opts.meshes) || opts.meshes < 1) throw new Error(`meshes must be a positive integer, got ${opts.meshes}`);
  if (!Number.isInteger(opts.policiesPerMesh) || opts.policiesPerMesh < 0) {
    throw new Error(`policiesPerMesh must be a non-negative integer, got ${opts.policiesPerMesh}`);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty`);
  mkdirSync(dir, { recursive: true });

  const width = Math.max(4, String(opts.meshes).length);
  const fileWidth = Math.max(2, String(Math.ceil(opts.policiesPerMesh / DOCS_PER_FILE)).length);
  let files = 0;
  let resources = 0;
  writeFileSync(path.join(dir, "meshops.yaml"), configFile());
  files++;

  // File creation dominates (12,000 files for 1,000 meshes) and its latency varies a lot on a busy machine, so
  // several meshes are written at once: their directory and files go through libuv's thread pool.
  const inFlight: Promise<void>[] = [];
  let failure: unknown;
  for (let m = 1; m <= opts.meshes && failure === undefined; m++) {
    const name = `mesh-${String(m).padStart(width, "0")}`;
    const namespace = shape === "kubernetes-apps" ? `${name}-apps` : SYSTEM_NAMESPACE;
    const format = meshFormat(shape, m);
    // Kubernetes names are unique per kind and namespace, not per mesh: in the one system namespace, each mesh's
    // services (and the policies named after them) carry the mesh's number, or two meshes' documents would be one
    // Kubernetes object (a kubernetes-manifest error).
    const suffix = format === "kubernetes" && namespace === SYSTEM_NAMESPACE ? `-${m}` : "";
    const services = Array.from({ length: SERVICES_PER_MESH }, (_, k) => `${SERVICE_POOL[(m + k * 3) % SERVICE_POOL.length] as string}${suffix}`);
    const mesh: MeshContext = { index: m, name, format, services, team: TEAMS[m % TEAMS.length] as string, namespace };

    const contents = new Map<string, string>();
    contents.set("mesh.yaml", toYaml(meshResource(mesh), `Mesh ${name} (${mesh.format} format)`));
    resources += 1;
    if (opts.servicesInRepository !== false) {
      contents.set("services.yaml", services.map((s) => toYaml(meshService(mesh, s))).join("---\n"));
      resources += services.length;
    }
    for (let start = 0, f = 1; start < opts.policiesPerMesh; start += DOCS_PER_FILE, f++) {
      const docs: string[] = [];
      for (let p = start; p < Math.min(start + DOCS_PER_FILE, opts.policiesPerMesh); p++) docs.push(toYaml(policy(mesh, p)));
      contents.set(`policies-${String(f).padStart(fileWidth, "0")}.yaml`, docs.join("---\n"));
      resources += docs.length;
    }
    files += contents.size;

    const meshDir = path.join(dir, "meshes", name);
    const written = mkdir(meshDir, { recursive: true }).then(() =>
      Promise.all([...contents].map(([file, text]) => writeFile(path.join(meshDir, file), text))),
    );
    inFlight.push(written.then(() => undefined, (error: unknown) => void (failure ??= error)));
    if (inFlight.length >= MESHES_IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;

  git(dir, ["-c", "init.defaultBranch=main", "init", "-q"]);
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "--no-verify", "-m", `Synthetic repository: ${opts.meshes} meshes x ${opts.policiesPerMesh} policies (${shape})`]);
  return { files, resources };
}

/**
 * Commits one small edit: the first `requestTimeout: <n>s` of the first mesh's policy files goes up by one second
 * (a MeshTimeout, still valid). Every call changes the value again. Returns the new commit id.
 */
export async function commitOneChange(dir: string): Promise<string> {
  const meshesDir = path.join(dir, "meshes");
  for (const mesh of readdirSync(meshesDir).sort()) {
    for (const file of readdirSync(path.join(meshesDir, mesh)).sort()) {
      if (!file.startsWith("policies-")) continue;
      const full = path.join(meshesDir, mesh, file);
      const text = readFileSync(full, "utf8");
      const match = /requestTimeout: ([0-9]+)s\n/.exec(text);
      if (!match) continue;
      const next = Number(match[1]) + 1;
      writeFileSync(full, text.slice(0, match.index) + `requestTimeout: ${next}s\n` + text.slice(match.index + match[0].length));
      const rel = path.relative(dir, full).split(path.sep).join("/");
      git(dir, ["add", "--", rel]);
      git(dir, ["commit", "-q", "--no-verify", "-m", `${mesh}: requestTimeout ${match[1]}s -> ${next}s`]);
      return git(dir, ["rev-parse", "HEAD"]);
    }
  }
  throw new Error(`no MeshTimeout with an http.requestTimeout under ${meshesDir}`);
}

// CLI: node dist/bench/generate.js <dir> [meshes] [policies] [shape] [services|no-services]
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [dir, meshes = "1000", policies = "50", shape = "mixed", services = "services"] = process.argv.slice(2);
  if (!dir || !(REPO_SHAPES as readonly string[]).includes(shape)) {
    console.error(`usage: node dist/bench/generate.js <dir> [meshes=1000] [policies=50] [${REPO_SHAPES.join("|")}] [services|no-services]`);
    process.exit(2);
  }
  const start = performance.now();
  const result = await generateRepo(dir, {
    meshes: Number(meshes),
    policiesPerMesh: Number(policies),
    shape: shape as RepoShape,
    servicesInRepository: services !== "no-services",
  });
  console.log(`${dir}: ${result.resources} resources in ${result.files} files, committed in ${Math.round(performance.now() - start)} ms`);
}
