import assert from "node:assert/strict";
import { test } from "node:test";
import { normalize, sameNormalized } from "../src/diff/normalize.js";
import type { JsonObject } from "../src/model/resource.js";

/**
 * One row per normalization rule. `same` rows hold two spellings of one intent (typically: as meshops sends it, as
 * the control plane returns it) that must normalize equal; `different` rows hold two that must not, so that a rule
 * never hides a real change; `exact` rows pin the normalized output.
 */
type Row =
  | { readonly name: string; readonly same: readonly [JsonObject, JsonObject] }
  | { readonly name: string; readonly different: readonly [JsonObject, JsonObject] }
  | { readonly name: string; readonly exact: readonly [JsonObject, JsonObject] };

const timeout = (defaults: JsonObject, extra: JsonObject = {}): JsonObject => ({
  type: "MeshTimeout",
  mesh: "payments",
  name: "t",
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: defaults }] },
  ...extra,
});

const route = (backendRef: JsonObject, header: JsonObject = { name: "x-canary", value: "true" }): JsonObject => ({
  type: "MeshHTTPRoute",
  mesh: "payments",
  name: "r",
  spec: {
    targetRef: { kind: "Mesh" },
    to: [{ targetRef: { kind: "MeshService", name: "web" }, rules: [{ matches: [{ headers: [header] }], default: { backendRefs: [backendRef] } }] }],
  },
});

const retry = (headers: JsonObject[]): JsonObject => ({
  type: "MeshRetry",
  mesh: "payments",
  name: "retry",
  spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { http: { numRetries: 3, retriableRequestHeaders: headers, retriableResponseHeaders: headers } } }] },
});

const dataplane = (labels: JsonObject): JsonObject => ({
  type: "Dataplane",
  mesh: "payments",
  name: "dp-1",
  labels,
  networking: { address: "10.1.2.1", inbound: [{ port: 8080, tags: { "kuma.io/service": "payments" } }] },
});

const reachable = (port: JsonObject): JsonObject => ({
  ...dataplane({}),
  networking: {
    address: "10.1.2.1",
    inbound: [{ port: 8080, tags: { "kuma.io/service": "payments" } }],
    transparentProxying: { reachableBackends: { refs: [{ kind: "MeshService", name: "ledger", ...port }] } },
  },
});

const mesh = (fields: JsonObject): JsonObject => ({ type: "Mesh", name: "payments", ...fields });
const prometheus = (conf?: JsonObject): JsonObject =>
  mesh({ metrics: { enabledBackend: "prom", backends: [{ name: "prom", type: "prometheus", ...(conf ? { conf } : {}) }] } });

const rows: Row[] = [
  // Server-owned fields and computed labels
  {
    name: "creationTime, modificationTime, kri, snis and status are the control plane's",
    same: [
      { type: "MeshService", mesh: "m", name: "web", spec: { ports: [{ port: 80, appProtocol: "http" }] } },
      {
        type: "MeshService",
        mesh: "m",
        name: "web",
        creationTime: "2026-09-14T08:00:00Z",
        modificationTime: "2026-09-14T08:10:00Z",
        kri: "kri_msvc_m_zone-1__web_",
        snis: [{ port: 80, sni: "sni.msvc.m.zone-1.web.80" }],
        spec: { ports: [{ port: 80, appProtocol: "http" }] },
        status: { tls: {}, dataplaneProxies: { total: 1 } },
      },
    ],
  },
  {
    name: "computed labels are dropped, and a labels map left empty goes with them",
    exact: [
      timeout({ idleTimeout: "1h" }, { labels: { "kuma.io/mesh": "payments", "kuma.io/origin": "zone", "kuma.io/zone": "z", "kuma.io/env": "universal", "kuma.io/display-name": "t" } }),
      { mesh: "payments", name: "t", spec: { targetRef: { kind: "Mesh" }, to: [{ default: { idleTimeout: "1h0m0s" }, targetRef: { kind: "Mesh" } }] }, type: "MeshTimeout" },
    ],
  },
  {
    name: "user labels (and the ownership label) are kept",
    different: [timeout({}, { labels: { team: "a" } }), timeout({}, { labels: { team: "b" } })],
  },
  {
    // Only read by the control plane (go-v2.14.3 pkg/core/resources/model/resource.go HasKDSDisabled), never set by it:
    // `kuma.io/kds-sync: disabled` keeps a resource from being synced, so adding or changing it is a change to apply.
    name: "kuma.io/kds-sync is the user's label: adding it is a difference",
    different: [timeout({}, { labels: { "kuma.io/kds-sync": "disabled" } }), timeout({})],
  },
  {
    // A Universal Dataplane's kuma.io/workload is the user's: the API server checks it (a DNS-1035 label, refused on
    // Global: go-v2.14.3 pkg/api-server/resource_endpoints.go, golden
    // test/fixtures/kuma-reference/pkg/api-server/testdata/resources/crud/workload_label_validation_00.request.json) and
    // computes labels without resource_labels.WithWorkload, so it keeps the value sent (pkg/core/resources/labels/compute.go);
    // it names the proxy's workload in its SPIFFE ID (pkg/core/resources/apis/meshidentity/api/v1alpha1/helpers.go
    // GetSpiffeID) and identity (pkg/core/resources/apis/mesh/dataplane_helpers.go IdentifyingName). Kong Mesh's
    // UPGRADE.md tells Universal users to add it to their Dataplanes.
    name: "a Dataplane's kuma.io/workload is the user's label: changing it is a difference",
    different: [dataplane({ "kuma.io/workload": "payments-api" }), dataplane({ "kuma.io/workload": "payments-worker" })],
  },
  {
    name: "adding kuma.io/workload to a Dataplane is a difference",
    different: [dataplane({ "kuma.io/workload": "payments-api" }), dataplane({})],
  },
  {
    // Likewise k8s.kuma.io/service-account: Compute sets it only on Kubernetes and only from WithServiceAccount, which
    // neither the API server nor the admission webhook passes (resource_endpoints.go, webhooks/defaulter.go); the SPIFFE
    // ID template reads it (meshidentity helpers.go GetSpiffeID).
    name: "k8s.kuma.io/service-account on a Universal Dataplane is the user's label",
    different: [dataplane({ "k8s.kuma.io/service-account": "api" }), dataplane({})],
  },
  {
    // What the API server does compute on a Dataplane (golden put_update_dataplanes_01.golden.json): the proxy type,
    // which Compute overwrites (`set`), and the zone's labels.
    name: "a Dataplane's computed kuma.io/proxy-type and zone labels are the control plane's",
    same: [
      dataplane({ "kuma.io/workload": "payments-api" }),
      dataplane({ "kuma.io/workload": "payments-api", "kuma.io/proxy-type": "sidecar", "kuma.io/env": "universal", "kuma.io/mesh": "payments", "kuma.io/origin": "zone", "kuma.io/zone": "default" }),
    ],
  },
  {
    // ReachableBackendRef.port is a google.protobuf.UInt32Value (go-v2.14.3 api/mesh/v1alpha1/dataplane.pb.go
    // Dataplane_Networking_TransparentProxying_ReachableBackendRef), which jsonpb prints when set, 0 included, and the
    // Dataplane validator accepts 0 (pkg/core/resources/apis/mesh/dataplane_validator.go validateTransparentProxying):
    // port 0 and no port are two different configurations.
    name: "a reachable backend's port 0 (a UInt32Value) is not the same as no port",
    different: [reachable({ port: 0 }), reachable({})],
  },
  { name: "a reachable backend's port \"0\" is the port 0 jsonpb reads", same: [reachable({ port: "0" }), reachable({ port: 0 })] },
  {
    // On Universal the API server computes no kuma.io/display-name (go-v2.14.3 pkg/core/resources/labels/compute.go
    // never sets it) and keeps the one sent: golden
    // test/fixtures/kuma-reference/pkg/api-server/testdata/resources/crud/put_immutable_displayname_00.request.json
    // creates MeshExternalService ext-svc labelled my-display-name, which the next PUT may not change. It is the name
    // references resolve to (pkg/core/resources/model/resource.go GetDisplayName, IsReferenced), so adding it is a change.
    name: "a Universal kuma.io/display-name other than the name is the user's label",
    different: [timeout({}, { labels: { "kuma.io/display-name": "timeouts" } }), timeout({})],
  },
  {
    name: "a kuma.io/display-name changed is a difference",
    different: [timeout({}, { labels: { "kuma.io/display-name": "timeouts" } }), timeout({}, { labels: { "kuma.io/display-name": "timeouts-2" } })],
  },
  {
    // The Kubernetes store shows every object with its object name as display name (FACTS §2.8, §5): the API name
    // itself for a cluster-scoped kind, the API name without `.<namespace>` for a namespaced one.
    name: "a kuma.io/display-name that is the object's own name is the control plane's",
    same: [mesh({}), mesh({ labels: { "kuma.io/display-name": "payments" } })],
  },
  {
    name: "a namespaced object's display name, its API name without the namespace, is the control plane's",
    same: [
      { ...timeout({}), name: "t.kuma-system", labels: { "k8s.kuma.io/namespace": "kuma-system" } },
      { ...timeout({}), name: "t.kuma-system", labels: { "k8s.kuma.io/namespace": "kuma-system", "kuma.io/display-name": "t", "kuma.io/zone": "z" } },
    ],
  },
  {
    // A Universal zone computes kuma.io/policy-role only for an object named in a Kubernetes namespace
    // (go-v2.14.3 pkg/core/resources/labels/compute.go: `labelsOpts.Namespace.value != ""`, which the REST envelope never
    // gives: pkg/core/resources/model/rest/v1alpha1/meta.go GetNameExtensions), and validateLabels drops
    // validatePolicyRole's verdict (pkg/api-server/resource_endpoints.go), so the label sent is kept; the policies'
    // validators and matching read it (pkg/plugins/policies/meshretry/api/v1alpha1/validator.go PolicyRole).
    name: "a Universal policy's kuma.io/policy-role is not the control plane's",
    different: [timeout({}, { labels: { "kuma.io/policy-role": "consumer" } }), timeout({})],
  },
  {
    name: "a Kubernetes-named policy's kuma.io/policy-role and k8s.kuma.io/namespace are the control plane's",
    same: [
      { ...timeout({}), name: "t.payments" },
      { ...timeout({}), name: "t.payments", labels: { "k8s.kuma.io/namespace": "payments", "kuma.io/policy-role": "consumer", "kuma.io/display-name": "t" } },
    ],
  },
  {
    // Compute sets k8s.kuma.io/namespace only on Kubernetes (compute.go `labelsOpts.IsK8s`); a Universal Dataplane keeps
    // the one sent, which its SPIFFE ID reads (pkg/core/resources/apis/meshidentity/api/v1alpha1/helpers.go GetSpiffeID).
    name: "k8s.kuma.io/namespace on a Universal object is the user's label",
    different: [dataplane({ "k8s.kuma.io/namespace": "payments" }), dataplane({})],
  },
  {
    // The same label can be the user's on one side and the control plane's on the other (here the display name, by
    // the namespace label beside it): the fast comparison must not pair them up.
    name: "a display name that is the control plane's on one side only is a difference",
    different: [
      { ...timeout({}), name: "t.p", labels: { "kuma.io/display-name": "t", team: "x" } },
      { ...timeout({}), name: "t.p", labels: { "k8s.kuma.io/namespace": "p", "kuma.io/display-name": "t", team: "x", tier: "y" } },
    ],
  },
  {
    // Compute sets the proxy labels only on a proxy (`rd.IsProxy`, go-v2.14.3 pkg/core/resources/labels/compute.go):
    // on any other kind the API server keeps what it is sent, and labels are what targetRef and selector `labels` match.
    name: "kuma.io/proxy-type on a kind that is no proxy is the user's label",
    different: [timeout({}, { labels: { "kuma.io/proxy-type": "gateway" } }), timeout({})],
  },
  {
    name: "the ownership label is a difference: adopting a resource is an update",
    different: [timeout({}, { labels: { "meshops.io/managed-by": "meshops" } }), timeout({}, { labels: { "kuma.io/origin": "zone" } })],
  },
  // Go's encoding/json omits a non-pointer `omitempty` field at its zero value: what was sent empty comes back absent.
  {
    // `Ports []Port json:"ports,omitempty"` (go-v2.14.3 pkg/core/resources/apis/meshservice/api/v1alpha1/meshservice.go);
    // neither the schema nor the validator requires a port.
    name: "a MeshService's ports: [] is no ports",
    same: [
      { type: "MeshService", mesh: "m", name: "web", spec: { selector: { dataplaneTags: { "kuma.io/service": "web" } }, ports: [] } },
      { type: "MeshService", mesh: "m", name: "web", spec: { selector: { dataplaneTags: { "kuma.io/service": "web" } } } },
    ],
  },
  {
    // HeaderMatch `Value HeaderValue json:"value,omitempty"` (api/common/v1alpha1/header.go), in MeshHTTPRoute matches
    // and MeshRetry's retriable headers.
    name: "a header match's value: \"\" is no value",
    same: [route({ kind: "MeshService", name: "web-v2" }, { type: "Present", name: "x-debug", value: "" }), route({ kind: "MeshService", name: "web-v2" }, { type: "Present", name: "x-debug" })],
  },
  {
    name: "a header match's value is compared",
    different: [route({ kind: "MeshService", name: "web-v2" }, { name: "x-debug", value: "1" }), route({ kind: "MeshService", name: "web-v2" }, { name: "x-debug" })],
  },
  {
    name: "a MeshRetry retriable header's value: \"\" is no value",
    same: [retry([{ type: "Present", name: "x-retry", value: "" }]), retry([{ type: "Present", name: "x-retry" }])],
  },
  {
    // A kind of no mesh (HostnameGenerator, GlobalSecret) gets no default mesh (FACTS §2.2: routes /P/{name}), so a
    // `mesh` on one side only is a difference for the fast comparison too (validation refuses one in a repository).
    name: "a global kind's mesh is not defaulted",
    different: [
      { type: "HostnameGenerator", name: "local", mesh: "default", spec: { template: "{{ .DisplayName }}.mesh", selector: { meshService: { matchLabels: { "kuma.io/origin": "zone" } } } } },
      { type: "HostnameGenerator", name: "local", spec: { template: "{{ .DisplayName }}.mesh", selector: { meshService: { matchLabels: { "kuma.io/origin": "zone" } } } } },
    ],
  },
  // Durations
  { name: "1h is 1h0m0s", same: [timeout({ idleTimeout: "1h" }), timeout({ idleTimeout: "1h0m0s" })] },
  { name: "0 is 0s", same: [timeout({ http: { requestTimeout: "0" } }), timeout({ http: { requestTimeout: "0s" } })] },
  { name: "90m is 1h30m0s, 1.5h too", same: [timeout({ idleTimeout: "90m" }), timeout({ idleTimeout: "1.5h" })] },
  { name: "2500ms is 2.5s", same: [timeout({ connectionTimeout: "2500ms" }), timeout({ connectionTimeout: "2.5s" })] },
  { name: "different durations stay different", different: [timeout({ idleTimeout: "1h" }), timeout({ idleTimeout: "61m" })] },
  { name: "an unparsable duration is left as it is", exact: [timeout({ idleTimeout: "1d" }), normalizedTimeout({ idleTimeout: "1d" })] },
  { name: "strings that are not durations are never rewritten", different: [route({ kind: "MeshService", name: "1h" }), route({ kind: "MeshService", name: "1h0m0s" })] },
  {
    name: "Mesh protobuf durations: 0.5s is 0.500s",
    same: [
      mesh({ mtls: { backends: [{ name: "ca", type: "builtin", dpCert: { requestTimeout: "0.5s" } }] } }),
      mesh({ mtls: { backends: [{ name: "ca", type: "builtin", dpCert: { requestTimeout: "0.500s" } }] } }),
    ],
  },
  // Schema defaults
  { name: "backendRefs[].weight defaults to 1", same: [route({ kind: "MeshService", name: "web" }), route({ kind: "MeshService", name: "web", weight: 1 })] },
  { name: "an explicit weight other than 1 is a difference", different: [route({ kind: "MeshService", name: "web" }), route({ kind: "MeshService", name: "web", weight: 2 })] },
  {
    name: "matches[].headers[].type defaults to Exact",
    same: [route({ kind: "MeshService", name: "web" }, { name: "x", value: "1" }), route({ kind: "MeshService", name: "web" }, { name: "x", value: "1", type: "Exact" })],
  },
  {
    name: "mesh defaults to default",
    same: [
      { type: "MeshTimeout", name: "t", spec: { targetRef: { kind: "Mesh" } } },
      { type: "MeshTimeout", mesh: "default", name: "t", spec: { targetRef: { kind: "Mesh" } } },
    ],
  },
  {
    name: "defaults fill existing objects but never create a parent",
    exact: [
      { type: "MeshExternalService", mesh: "m", name: "api", spec: { match: { port: 443 }, tls: { enabled: true, verification: {} } } },
      {
        mesh: "m",
        name: "api",
        spec: { match: { port: 443, protocol: "tcp", type: "HostnameGenerator" }, tls: { allowRenegotiation: false, enabled: true, verification: { mode: "Secured" } } },
        type: "MeshExternalService",
      },
    ],
  },
  {
    name: "MeshTrace zipkin defaults (apiVersion, sharedSpanContext, traceId128bit)",
    same: [
      { type: "MeshTrace", mesh: "m", name: "t", spec: { default: { backends: [{ type: "Zipkin", zipkin: { url: "http://z:9411" } }] } } },
      {
        type: "MeshTrace",
        mesh: "m",
        name: "t",
        spec: { default: { backends: [{ type: "Zipkin", zipkin: { url: "http://z:9411", apiVersion: "httpJson", sharedSpanContext: true, traceId128bit: false } }] } },
      },
    ],
  },
  { name: "a null field is an absent one", same: [timeout({ idleTimeout: "1h", http: null }), timeout({ idleTimeout: "1h" })] },
  // Policy sections
  { name: "an empty from/to/rules list is omitted", same: [{ ...timeout({}), spec: { targetRef: { kind: "Mesh" }, from: [], to: [] } }, { ...timeout({}), spec: { targetRef: { kind: "Mesh" } } }] },
  {
    name: "an empty default in a from/to/rules item is an absent one",
    same: [
      { ...timeout({}), spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" } }] } },
      { ...timeout({}), spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: {} }] } },
    ],
  },
  // MeshService
  {
    name: "MeshService spec.state is the status updater's",
    same: [
      { type: "MeshService", mesh: "m", name: "web", spec: { ports: [{ port: 80 }] } },
      { type: "MeshService", mesh: "m", name: "web", spec: { state: "Available", ports: [{ port: 80, appProtocol: "tcp" }] } },
    ],
  },
  // Order
  {
    name: "key order carries no meaning",
    same: [
      { type: "MeshTimeout", name: "t", mesh: "m", spec: { to: [{ default: { idleTimeout: "1h" }, targetRef: { kind: "Mesh" } }], targetRef: { kind: "Mesh" } } },
      { spec: { targetRef: { kind: "Mesh" }, to: [{ targetRef: { kind: "Mesh" }, default: { idleTimeout: "1h" } }] }, name: "t", mesh: "m", type: "MeshTimeout" },
    ],
  },
  {
    name: "array order is meaningful",
    different: [
      { ...timeout({}), spec: { to: [{ targetRef: { kind: "MeshService", name: "a" } }, { targetRef: { kind: "MeshService", name: "b" } }] } },
      { ...timeout({}), spec: { to: [{ targetRef: { kind: "MeshService", name: "b" } }, { targetRef: { kind: "MeshService", name: "a" } }] } },
    ],
  },
  // Mesh: protobuf zero values
  {
    name: "Mesh: false, 0, empty strings, empty lists and empty messages are absent",
    same: [
      mesh({ mtls: { enabledBackend: "", skipValidation: false, backends: [] }, routing: { zoneEgress: false, localityAwareLoadBalancing: false }, skipCreatingInitialPolicies: [], constraints: {} }),
      mesh({ routing: {} }),
    ],
  },
  {
    name: "Mesh: enum zero values (STRICT, Disabled) are absent; numbers are names",
    same: [
      mesh({ mtls: { backends: [{ name: "ca", type: "builtin", mode: "STRICT" }] }, meshServices: { mode: 0 } }),
      mesh({ mtls: { backends: [{ name: "ca", type: "builtin" }] }, meshServices: { mode: "Disabled" } }),
    ],
  },
  { name: "Mesh: meshServices.mode 3 is Exclusive", same: [mesh({ meshServices: { mode: 3 } }), mesh({ meshServices: { mode: "Exclusive" } })] },
  { name: "Mesh: PERMISSIVE is not STRICT", different: [mesh({ mtls: { backends: [{ name: "ca", type: "builtin", mode: "PERMISSIVE" }] } }), mesh({ mtls: { backends: [{ name: "ca", type: "builtin" }] } })] },
  {
    name: "Mesh: BoolValue passthrough false is kept (unset means true)",
    different: [mesh({ networking: { outbound: { passthrough: false } } }), mesh({})],
  },
  {
    name: "Mesh: a backend's conf is a Struct, kept verbatim, zeros included",
    different: [
      mesh({ tracing: { backends: [{ name: "z", type: "zipkin", conf: { url: "http://z", sharedSpanContext: false } }] } }),
      mesh({ tracing: { backends: [{ name: "z", type: "zipkin", conf: { url: "http://z" } }] } }),
    ],
  },
  {
    name: "Mesh: an empty repeated element stays, so the others keep their place",
    exact: [
      mesh({ constraints: { dataplaneProxy: { requirements: [{ tags: {} }, { tags: { zone: "a" } }] } } }),
      { constraints: { dataplaneProxy: { requirements: [{}, { tags: { zone: "a" } }] } }, name: "payments", type: "Mesh" },
    ],
  },
  { name: "Mesh: no mesh field is added to a Mesh", exact: [mesh({}), { name: "payments", type: "Mesh" }] },
  // Mesh defaulter
  {
    name: "Mesh defaulter: a bare prometheus backend gets port, path, tags and TLS mode",
    same: [
      prometheus(),
      prometheus({ path: "/metrics", port: 5670, tags: { "kuma.io/service": "dataplane-metrics" }, tls: {} }),
    ],
  },
  {
    name: "Mesh defaulter: the zero TLS mode by name or omitted",
    same: [prometheus({ tls: { mode: "activeMTLSBackend" } }), prometheus({ path: "/metrics", port: 5670, tags: { "kuma.io/service": "dataplane-metrics" }, tls: {} })],
  },
  {
    name: "Mesh defaulter: skipMTLS true without tls means tls disabled",
    same: [prometheus({ skipMTLS: true }), prometheus({ skipMTLS: true, tls: { mode: "disabled" }, port: 5670, path: "/metrics", tags: { "kuma.io/service": "dataplane-metrics" } })],
  },
  {
    name: "Mesh defaulter: providedTLS drops skipMTLS",
    same: [prometheus({ skipMTLS: false, tls: { mode: "providedTLS" } }), prometheus({ tls: { mode: 1 } })],
  },
  {
    name: "Mesh defaulter: explicit values are kept (and a uint32 may be a string)",
    exact: [
      prometheus({ port: "9090", path: "/stats", tags: { "kuma.io/service": "metrics" }, envoy: { usedOnly: false, filterRegex: "" } }),
      {
        metrics: {
          backends: [
            { conf: { envoy: { usedOnly: false }, path: "/stats", port: 9090, tags: { "kuma.io/service": "metrics" }, tls: { mode: "activeMTLSBackend" } }, name: "prom", type: "prometheus" },
          ],
          enabledBackend: "prom",
        },
        name: "payments",
        type: "Mesh",
      },
    ],
  },
  {
    name: "Mesh defaulter: only prometheus backends",
    exact: [
      mesh({ metrics: { backends: [{ name: "other", type: "statsd", conf: { port: 0 } }] } }),
      { metrics: { backends: [{ conf: { port: 0 }, name: "other", type: "statsd" }] }, name: "payments", type: "Mesh" },
    ],
  },
  // MeshGateway: a protobuf kind, printed by jsonpb (zero values dropped, enums by name, integers as numbers)
  {
    name: "MeshGateway: enum numbers, numeric strings and zero values read as the control plane prints them",
    same: [
      {
        type: "MeshGateway",
        mesh: "edge",
        name: "gw",
        selectors: [{ match: { "kuma.io/service": "gw" } }],
        tags: {},
        conf: { listeners: [{ port: "8443", protocol: 5, crossMesh: false, hostname: "", tls: { mode: 1, certificates: [{ secret: "c" }] } }] },
      },
      {
        type: "MeshGateway",
        mesh: "edge",
        name: "gw",
        kri: "kri_mgw_edge_default__gw_",
        selectors: [{ match: { "kuma.io/service": "gw" } }],
        conf: { listeners: [{ port: 8443, protocol: "HTTPS", tls: { mode: "TERMINATE", certificates: [{ secret: "c" }] } }] },
      },
    ],
  },
  {
    name: "MeshGateway: TLS (3) is not HTTP, whatever the position of the names",
    different: [
      { type: "MeshGateway", mesh: "edge", name: "gw", conf: { listeners: [{ port: 80, protocol: 3 }] } },
      { type: "MeshGateway", mesh: "edge", name: "gw", conf: { listeners: [{ port: 80, protocol: "HTTP" }] } },
    ],
  },
  // Types without a schema
  {
    name: "an unknown type still loses server-owned fields and gets sorted keys",
    exact: [
      { type: "MeshGatewayRoute", name: "gw", kri: "x", creationTime: "t", spec: { b: 1, a: 2 } },
      { mesh: "default", name: "gw", spec: { a: 2, b: 1 }, type: "MeshGatewayRoute" },
    ],
  },
];

function normalizedTimeout(defaults: JsonObject): JsonObject {
  return { mesh: "payments", name: "t", spec: { targetRef: { kind: "Mesh" }, to: [{ default: defaults, targetRef: { kind: "Mesh" } }] }, type: "MeshTimeout" };
}

for (const row of rows) {
  test(`normalize: ${row.name}`, () => {
    if ("same" in row) {
      assert.deepEqual(normalize(row.same[0]), normalize(row.same[1]));
    } else if ("different" in row) {
      assert.notDeepEqual(normalize(row.different[0]), normalize(row.different[1]));
      assert.equal(sameNormalized(row.different[0], row.different[1]), false, "the diff's fast comparison agrees");
    } else {
      const actual = normalize(row.exact[0]);
      assert.deepEqual(actual, row.exact[1]);
      assert.equal(JSON.stringify(actual), JSON.stringify(row.exact[1]), "keys are sorted at every depth");
    }
  });
}

test("normalize does not modify its input", () => {
  const input = prometheus({ skipMTLS: true });
  const copy = structuredClone(input);
  normalize(input);
  assert.deepEqual(input, copy);
});
