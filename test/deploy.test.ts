/**
 * The container image's recipe (deploy/Dockerfile), without a container engine: linted by dockerfile-utils (the
 * Dockerfile language server's validator) and checked for what the image promises: multi-stage on Node 24 LTS, no
 * tests or benchmarks, a non-root user, Git allowed to read mounted repositories, the status server on every
 * interface whatever command is given (MESHOPS_LISTEN), a HEALTHCHECK. And the CI examples on Node 24.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { validate } from "dockerfile-utils";
import { parseAllDocuments } from "yaml";
import { projectRoot } from "./helpers/git.js";

const dockerfile = readFileSync(path.join(projectRoot, "deploy", "Dockerfile"), "utf8");

/** Instructions with their arguments, continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
  .map((line) => {
    const [keyword = "", ...rest] = line.trim().split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
  });
const stages = instructions.reduce<{ keyword: string; args: string }[][]>((all, i) => (i.keyword === "FROM" ? [...all, [i]] : (all.at(-1)?.push(i), all)), []);
const final = stages.at(-1) ?? [];
const inFinal = (keyword: string) => final.filter((i) => i.keyword === keyword).map((i) => i.args);

test("the Dockerfile lints clean", () => {
  assert.deepEqual(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
});

test("multi-stage on Node 24 LTS; tests and benchmarks stay out", () => {
  assert.ok(stages.length >= 2, "a build stage and a runtime stage");
  for (const stage of stages) assert.match(stage[0]?.args ?? "", /^node:24[-.\w]*( AS \w+)?$/i);
  const copied = instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD").map((i) => i.args);
  for (const args of copied) assert.doesNotMatch(args, /(^|\s)\.?\/?(test|bench)(\/|\s|$)/, args);
  const ignored = readFileSync(path.join(projectRoot, ".dockerignore"), "utf8").split("\n");
  for (const folder of ["test", "bench", "node_modules", "dist", ".git"]) assert.ok(ignored.includes(folder), `.dockerignore: ${folder}`);
});

test("runs as a non-root user; Git reads mounted repositories; listens on every interface; has a health check", () => {
  const users = inFinal("USER");
  assert.equal(users.length, 1);
  assert.doesNotMatch(users[0] ?? "", /^(root|0)(:|$)/);
  assert.ok(inFinal("RUN").some((run) => run.includes("git config --system --add safe.directory")), "safe.directory");
  assert.ok(inFinal("ENV").some((env) => /MESHOPS_LISTEN=0\.0\.0\.0:5680/.test(env)), "MESHOPS_LISTEN");
  assert.deepEqual(inFinal("EXPOSE"), ["5680"]);
  const [healthcheck] = inFinal("HEALTHCHECK");
  assert.match(healthcheck ?? "", /CMD .*\/healthz/);
  assert.match(inFinal("ENTRYPOINT")[0] ?? "", /tini.*node.*\/app\/bin\/meshops\.js/);
  // The default command gives no --listen: MESHOPS_LISTEN decides, as it does for any command an operator gives.
  assert.doesNotMatch(inFinal("CMD").join(" "), /--listen/);
});

test("the CI examples run on Node 24", () => {
  const gitlab = readFileSync(path.join(projectRoot, "examples", "gitlab-ci.yml"), "utf8");
  assert.match(gitlab, /image: node:24\b/);
  assert.doesNotMatch(gitlab, /node:20\b/);
});

/**
 * The two Kubernetes deployment variants (deploy/kubernetes/): every object valid against the Kubernetes JSON schemas
 * (the kubernetes-models package's validators), every Pod within the Pod Security "restricted" profile, no
 * service-account token and no RBAC (meshops never calls the Kubernetes API), probes with explicit timeouts,
 * credentials only from Secrets.
 */
const VARIANTS = ["universal-cp.yaml", "kubernetes-cp.yaml"];

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : {});
const list = (value: unknown): Obj[] => (Array.isArray(value) ? value.map(obj) : []);

const variantText = (file: string): string => readFileSync(path.join(projectRoot, "deploy", "kubernetes", file), "utf8");

function variant(file: string, text = variantText(file)): Obj[] {
  return parseAllDocuments(text).map((d) => {
    assert.deepEqual(d.errors, [], file);
    return obj(d.toJS());
  });
}

/** How a variant's header says to reach the control plane: each choice a set of marked lines in or out. */
interface Reach {
  /** The API's https port instead of http: `# https` lines in, `# http` lines out. */
  readonly https?: boolean;
  /** `# private CA` lines in: --ca-file from the ConfigMap meshops-ca. */
  readonly ca?: boolean;
  /** `# client certificate` lines in, `# token` lines out. */
  readonly clientCert?: boolean;
}

/** A variant as its header says to change it: marked lines uncommented (`# - --flag # marker`) or dropped. */
function configuredText(file: string, reach: Reach): string {
  const chosen = [...(reach.https ? ["https"] : []), ...(reach.ca ? ["private CA"] : []), ...(reach.clientCert ? ["client certificate"] : [])];
  const dropped = [...(reach.https ? ["http"] : []), ...(reach.clientCert ? ["token"] : [])];
  const lines = variantText(file).split("\n");
  for (const marker of chosen) assert.ok(lines.filter((line) => new RegExp(`^\\s*# .* # ${marker}$`).test(line)).length >= 1, `${file}: the lines marked ${marker} are there, commented`);
  return lines
    .filter((line) => !dropped.some((marker) => line.endsWith(` # ${marker}`)))
    .map((line) => chosen.reduce((l, marker) => l.replace(new RegExp(`^(\\s*)# (.* # ${marker})$`), "$1$2"), line))
    .join("\n");
}

/** The kubernetes-models class of an object's apiVersion and kind. */
async function modelOf(apiVersion: string, kind: string): Promise<new (data: Obj) => { validate(): void }> {
  const module = (await import(`kubernetes-models/${apiVersion}`)) as Record<string, new (data: Obj) => { validate(): void }>;
  const model = module[kind];
  assert.ok(model, `kubernetes-models has ${apiVersion} ${kind}`);
  return model;
}

/** The Pod specs of the workloads (Deployments), with where they are. */
function podSpecs(o: Obj): { where: string; spec: Obj }[] {
  return o.kind === "Deployment" ? [{ where: `Deployment/${String(obj(o.metadata).name)}`, spec: obj(obj(obj(o.spec).template).spec) }] : [];
}

const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);

/** The Pod Security Standards' "restricted" checks (kubernetes.io/docs/concepts/security/pod-security-standards). */
function restrictedViolations(spec: Obj): string[] {
  const problems: string[] = [];
  const pod = obj(spec.securityContext);
  for (const host of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[host] === true) problems.push(host);
  for (const volume of list(spec.volumes)) {
    const type = Object.keys(volume).find((k) => k !== "name") ?? "";
    if (!RESTRICTED_VOLUMES.has(type)) problems.push(`volume ${String(volume.name)}: ${type}`);
  }
  const containers = [...list(spec.initContainers), ...list(spec.containers)];
  for (const c of containers) {
    const sc = obj(c.securityContext);
    const where = `container ${String(c.name)}`;
    if (sc.privileged === true) problems.push(`${where}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
    const caps = obj(sc.capabilities);
    if (!(Array.isArray(caps.drop) && caps.drop.includes("ALL"))) problems.push(`${where}: capabilities.drop must hold ALL`);
    if (Array.isArray(caps.add) && caps.add.some((a) => a !== "NET_BIND_SERVICE")) problems.push(`${where}: capabilities.add`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where}: runAsUser 0`);
    const seccomp = obj(sc.seccompProfile ?? pod.seccompProfile).type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where}: seccompProfile RuntimeDefault or Localhost`);
    if (list(c.ports).some((p) => p.hostPort !== undefined)) problems.push(`${where}: hostPort`);
  }
  return problems;
}

for (const file of VARIANTS) {
  test(`deploy/kubernetes/${file}: valid against the Kubernetes schemas; restricted Pods; no token, no RBAC; probe timeouts`, () => assertDeployable(variant(file)));
}

/** Valid against the Kubernetes schemas; restricted Pods; no service-account token, no RBAC; probe timeouts. */
async function assertDeployable(objects: Obj[]): Promise<void> {
  for (const o of objects) {
    const Model = await modelOf(String(o.apiVersion), String(o.kind));
    assert.doesNotThrow(() => new Model(o).validate(), `${String(o.kind)}/${String(obj(o.metadata).name)}`);
  }
  // The validators do reject what the API server would: a string where an integer belongs.
  const Deployment = await modelOf("apps/v1", "Deployment");
  const broken = structuredClone(objects.find((o) => o.kind === "Deployment") ?? {});
  obj(broken.spec).replicas = "one";
  assert.throws(() => new Deployment(broken).validate(), /replicas must be integer/);
  const kinds = objects.map((o) => String(o.kind));
  for (const rbac of ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]) assert.equal(kinds.includes(rbac), false, `${rbac}: meshops never calls the Kubernetes API`);
  const namespace = obj(objects.find((o) => o.kind === "Namespace")?.metadata);
  assert.equal(obj(namespace.labels)["pod-security.kubernetes.io/enforce"], "restricted", "the namespace enforces it too");
  assert.equal(objects.find((o) => o.kind === "ServiceAccount")?.automountServiceAccountToken, false);
  const pods = objects.flatMap(podSpecs);
  assert.ok(pods.length > 0);
  for (const { where, spec } of pods) {
    assert.deepEqual(restrictedViolations(spec), [], where);
    assert.equal(spec.automountServiceAccountToken, false, `${where}: no service-account token`);
    for (const c of list(spec.containers)) {
      for (const probe of ["readinessProbe", "livenessProbe"]) {
        if (c[probe] === undefined) continue;
        assert.ok(Number(obj(c[probe]).timeoutSeconds) >= 2, `${where} ${probe}: an explicit timeout (the 1 s default is too tight under load)`);
      }
      // A token is read from a file of a Secret, never given on the command line or in a URL.
      for (const arg of [...(Array.isArray(c.args) ? c.args : []), ...(Array.isArray(c.command) ? c.command : [])].map(String)) {
        assert.doesNotMatch(arg, /:\/\/[^/]*@|token=(?!\/)/, `${where}: ${arg}`);
      }
    }
  }
  const deployment = objects.find((o) => o.kind === "Deployment");
  const container = list(obj(obj(obj(deployment?.spec).template).spec).containers)[0] ?? {};
  for (const probe of ["readinessProbe", "livenessProbe"]) assert.ok(container[probe], `the daemon has a ${probe}`);
}

for (const file of VARIANTS) {
  for (const reach of [{ https: true, ca: true }, { https: true, clientCert: true }, { https: true, ca: true, clientCert: true }] as const) {
    const name = [reach.ca ? "a private CA" : "", "clientCert" in reach ? "a client certificate" : "a token"].filter(Boolean).join(" and ");
    test(`deploy/kubernetes/${file} over https with ${name}, as its header says: still deployable; each given by a file of a mounted Secret or ConfigMap`, async () => {
      const objects = variant(`${file} (${name})`, configuredText(file, reach));
      await assertDeployable(objects);
      const pod = obj(obj(obj(objects.find((o) => o.kind === "Deployment")?.spec).template).spec);
      const container = list(pod.containers)[0] ?? {};
      const args = (container.args ?? []) as string[];
      const mountOf = (source: (v: Obj) => boolean): string => {
        const volume = list(pod.volumes).find(source);
        assert.ok(volume, args.join(" "));
        const mount = list(container.volumeMounts).find((m) => m.name === volume.name);
        assert.equal(mount?.readOnly, true);
        return String(mount.mountPath);
      };
      const cpUrls = args.filter((a) => a.startsWith("--cp-url="));
      assert.equal(cpUrls.length, 1, "one control plane");
      assert.match(cpUrls[0] ?? "", /^--cp-url=https:\/\/[^/]+:5682$/, "the API's https port");
      if (reach.ca) assert.ok(args.includes(`--ca-file=${mountOf((v) => obj(v.configMap).name === "meshops-ca")}/ca.crt`), args.join(" "));
      else assert.ok(!args.some((a) => a.startsWith("--ca-file")));
      if ("clientCert" in reach) {
        // kubernetes.io/tls Secrets hold tls.crt and tls.key.
        const at = mountOf((v) => obj(v.secret).secretName === "meshops-client-cert");
        assert.ok(args.includes(`--client-cert-file=${at}/tls.crt`), args.join(" "));
        assert.ok(args.includes(`--client-key-file=${at}/tls.key`), args.join(" "));
        assert.ok(!args.some((a) => a.startsWith("--token-file")), "no token besides");
      } else {
        assert.ok(args.includes(`--token-file=${mountOf((v) => obj(v.secret).secretName === "meshops")}/cp-token`), args.join(" "));
        assert.ok(!args.some((a) => a.startsWith("--client-")));
      }
    });
  }
}

test("every way to run the daemon shows how to give a private CA, the token file and a client certificate, and README says how", () => {
  const flags = ["--ca-file", "--token-file", "--client-cert-file", "--client-key-file"];
  const comments = dockerfile.split("\n").filter((line) => line.startsWith("#")).join("\n");
  for (const flag of flags) assert.match(comments, new RegExp(`${flag} /etc/meshops/`), `deploy/Dockerfile's examples: ${flag}`);
  for (const file of VARIANTS) for (const flag of flags) assert.match(variantText(file), new RegExp(`- ${flag}=/etc/`), `${file}: ${flag}`);
  const readme = readFileSync(path.join(projectRoot, "README.md"), "utf8");
  const production = readme.slice(readme.indexOf("**In production**"), readme.indexOf("The build machines have no container engine"));
  for (const marker of ["# https", "# private CA", "# client certificate", "# token"]) assert.ok(production.includes(`\`${marker}\``), `README names the marker ${marker}`);
  for (const flag of flags) assert.ok(production.includes(flag), `README's production section: ${flag}`);
});

test("the Kubernetes control plane variant never writes to the Kuma API: drift over it, hydration to a branch with Git credentials from a Secret", () => {
  const objects = variant("kubernetes-cp.yaml");
  const deployment = objects.find((o) => o.kind === "Deployment");
  const pod = obj(obj(obj(deployment?.spec).template).spec);
  const container = list(pod.containers)[0] ?? {};
  const args = (container.args ?? []) as string[];
  assert.equal(args[0], "watch");
  assert.ok(args.includes("--mode=kubernetes"), "watch reports drift and never applies");
  assert.ok(args.includes("--hydrate-branch=rendered"), "each commit is hydrated onto the branch Flux or Argo CD applies");
  assert.ok(!args.some((a) => a.startsWith("--reconcile-token-file")), "nothing to reconcile: meshops writes nothing to the control plane");
  // Git credentials: the Secret's file through Git's credential store, never in a URL or an argument.
  const secretVolume = list(pod.volumes).find((v) => obj(v.secret).secretName === "meshops-git");
  assert.ok(secretVolume, "the Git credentials come from the Secret meshops-git");
  assert.ok(list(container.volumeMounts).some((m) => m.name === secretVolume.name && m.readOnly === true));
  const env = Object.fromEntries(list(container.env).map((e) => [String(e.name), String(e.value)]));
  assert.equal(env.GIT_CONFIG_KEY_0, "credential.helper");
  assert.equal(env.GIT_CONFIG_VALUE_0, "store --file=/etc/meshops-git/git-credentials");
  const secrets = objects.filter((o) => o.kind === "Secret").map((o) => String(obj(o.metadata).name));
  assert.deepEqual(secrets.sort(), ["meshops", "meshops-git"]);
  assert.equal("reconcile-token" in obj(objects.find((o) => obj(o.metadata).name === "meshops" && o.kind === "Secret")?.stringData), false);
});
