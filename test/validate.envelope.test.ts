import assert from "node:assert/strict";
import { test } from "node:test";
import { validateSnapshot } from "../src/validate/index.js";
import { snapshotOfTexts } from "./helpers/snapshot.js";

/**
 * A Universal document's `mesh` that is a list or a mapping is no mesh name, and no mesh `default` either. kumactl
 * apply reads the envelope into ResourceMeta (go-v2.14.3 pkg/core/resources/model/rest/unmarshaller.go UnmarshalCore:
 * `Mesh string`, rest/v1alpha1/meta.go), which encoding/json cannot fill from an array or an object ("invalid meta
 * type"); the API server's PUT checks a policy's body against its schema (`mesh: {type: string, default: default}`,
 * schemas/MeshTimeout.schema.json from rest.yaml: "in body must be of type string") and decodes a protobuf kind's or a
 * Secret's envelope the same way (rest/unversioned/resource.go UnmarshalJSON). meshops put such a document in mesh
 * `default`, where the schema check saw a string.
 */
// Secrets in clear text are allowed here: what is said of the envelope is what this test is about.
const PLAINTEXT_SECRETS = "secrets:\n  allowPlaintext: true\n";
const snapshot = (files: Record<string, string>) => snapshotOfTexts(files, PLAINTEXT_SECRETS);

const SPEC = "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: Mesh\n      default:\n        idleTimeout: 20s\n";

test("a Universal document whose mesh is a list or a mapping is an error at its mesh, not mesh default", () => {
  const result = validateSnapshot(
    snapshot({
      "mesh.yaml": "type: Mesh\nname: default\n",
      "list.yaml": `type: MeshTimeout\nname: t1\nmesh: [default]\n${SPEC}`,
      "map.yaml": `type: MeshTimeout\nname: t2\nmesh:\n  name: default\n${SPEC}`,
      "secret.yaml": "type: Secret\nname: token\nmesh: [default]\ndata: dGVzdA==\n",
    }),
  );
  const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.path} ${d.rule}: ${d.message}`);
  assert.deepEqual(errors, [
    "list.yaml:3 mesh schema: mesh must be a mesh name, found a sequence",
    "map.yaml:3 mesh schema: mesh must be a mesh name, found a mapping",
    "secret.yaml:3 mesh schema: mesh must be a mesh name, found a sequence",
  ]);
});

/**
 * A name that is not a string: kumactl reads the envelope into ResourceMeta (`Name string`, go-v2.14.3
 * pkg/core/resources/model/rest/v1alpha1/meta.go) through sigs.k8s.io/yaml (YAML to JSON, then encoding/json), which
 * cannot fill it from a number, a boolean, a list or a mapping: UnmarshalCore refuses the whole document ("invalid
 * meta type"), and the API server refuses a Kubernetes object whose metadata.name is not a string. So one error, at
 * the name, naming the kind; the document is no resource, and nothing else is said of it (meshops said each such
 * document's problems of `MeshTimeout/default/`, an empty name).
 */
test("a name that is not a string is one error at the name naming the kind, and the document no resource", () => {
  const zoneReference = "spec:\n  targetRef:\n    kind: Mesh\n  to:\n    - targetRef:\n        kind: MeshService\n        name: ledger\n      default:\n        idleTimeout: soon\n";
  const result = validateSnapshot(
    snapshot({
      "mesh.yaml": "type: Mesh\nname: default\n",
      "number.yaml": `type: MeshTimeout\nname: 123\nmesh: on\n${zoneReference}`,
      "boolean.yaml": `type: MeshTimeout\nname: yes\nmesh: default\n${SPEC}`,
      "list.yaml": `type: MeshTimeout\nname: [a]\nmesh: default\n${SPEC}`,
      "mapping.yaml": "type: Mesh\nname:\n  first: a\n",
      "kubernetes.yaml": `apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: 42\n  namespace: elsewhere\n  labels:\n    kuma.io/mesh: default\n${zoneReference}`,
      "secret.yaml": "apiVersion: v1\nkind: Secret\ntype: system.kuma.io/secret\nmetadata:\n  name: 7\n  namespace: kuma-system\ndata:\n  value: dGVzdA==\n",
    }),
  );
  const said = result.diagnostics.filter((d) => d.file !== "mesh.yaml").map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} [${d.resource}] ${d.path} ${d.rule}: ${d.message}`);
  const universal = (kind: string, found: string, goKind: string) =>
    `a ${kind}'s name must be a string, found ${found}: kumactl refuses the document (invalid meta type: "json: cannot unmarshal ${goKind} into Go struct field ResourceMeta.name of type string")`;
  const kubernetes = (kind: string, found: string) => `a ${kind}'s metadata.name must be a string, found ${found}: the API server refuses the object, whose ObjectMeta.name is a string`;
  assert.deepEqual(said, [
    // Of the mesh it names, as a document without a name is (`watch` holds that mesh only); of none when the mesh
    // is not a string either (number.yaml's `on`) or the document is a Mesh, whose name is its mesh.
    `boolean.yaml:2:1 error [MeshTimeout/default/] name missing-name: ${universal("MeshTimeout", "true", "bool")}; YAML 1.1 reads the plain scalar yes as a boolean (true): quote it`,
    `kubernetes.yaml:4:3 error [MeshTimeout/default/] metadata.name missing-name: ${kubernetes("MeshTimeout", "42")}`,
    `list.yaml:2:1 error [MeshTimeout/default/] name missing-name: ${universal("MeshTimeout", "a sequence", "array")}`,
    `mapping.yaml:2:1 error [] name missing-name: ${universal("Mesh", "a mapping", "object")}`,
    `number.yaml:2:1 error [] name missing-name: ${universal("MeshTimeout", "123", "number")}`,
    `secret.yaml:5:3 error [Secret/default/] metadata.name missing-name: ${kubernetes("Secret", "7")}`,
  ]);
  assert.deepEqual(
    result.resources.map((r) => `${r.type}/${r.name}`),
    ["Mesh/default"],
    "no resource of a document whose name is not a string: no later rule sees it, nor do the counts",
  );
});

test("a Universal policy with mesh: null is in mesh default, as its schema's default gives it", () => {
  // Left as it was by the check above (a null is an empty field, not a value of another type): a policy's schema
  // defaults mesh, and rest/unmarshaller.go runs that defaulting before the schema check. The kinds whose schema has
  // no default are test/validate.meshRequired.test.ts'.
  const result = validateSnapshot(snapshot({ "mesh.yaml": "type: Mesh\nname: default\n", "null.yaml": `type: MeshTimeout\nname: t3\nmesh: null\n${SPEC}` }));
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  assert.deepEqual(result.resources.filter((r) => r.type === "MeshTimeout").map((r) => `${r.type}/${r.mesh}/${r.name}`), ["MeshTimeout/default/t3"]);
});

test("an empty name is said to be empty, as the control plane says it, in either shape", () => {
  // go-v2.14.3 pkg/core/resources/apis/mesh/meta_validator.go validateIdentifier: "cannot be empty". meshops said
  // `name must be a string, found ""` of a string.
  const errorsOf = (file: string, text: string) =>
    validateSnapshot(snapshot({ "mesh.yaml": "type: Mesh\nname: default\n", [file]: text }))
      .diagnostics.filter((d) => d.severity === "error")
      .map((d) => `${d.file}:${d.line} ${d.path} ${d.rule}: ${d.message}`);
  assert.deepEqual(errorsOf("universal.yaml", `type: MeshTimeout\nname: ""\nmesh: default\n${SPEC}`), ["universal.yaml:2 name missing-name: name cannot be empty"]);
  assert.deepEqual(errorsOf("kubernetes.yaml", `apiVersion: kuma.io/v1alpha1\nkind: MeshTimeout\nmetadata:\n  name: ""\n  namespace: kuma-system\n${SPEC}`), [
    "kubernetes.yaml:4 metadata.name missing-name: name cannot be empty",
  ]);
});

test("a Universal Mesh, HostnameGenerator or GlobalSecret labelled kuma.io/mesh is refused on a zone, as the API server refuses it", () => {
  // They have no mesh: the body's ResourceMeta.Mesh is "" (rest/v1alpha1/meta.go), and a zone's API server refuses a
  // kuma.io/mesh label that differs from it (go-v2.14.3 pkg/api-server/resource_endpoints.go validateLabels: "kuma.io/mesh
  // label must not differ from mesh set on resource"), whatever the kind; a global control plane does not compare them.
  const files = {
    "mesh.yaml": "type: Mesh\nname: default\nlabels:\n  kuma.io/mesh: default\n",
    "generator.yaml": "type: HostnameGenerator\nname: local\nlabels:\n  kuma.io/mesh: default\nspec:\n  template: '{{ .DisplayName }}.mesh'\n  selector:\n    meshService:\n      matchLabels:\n        team: a\n",
    "secret.yaml": "type: GlobalSecret\nname: token\nlabels:\n  kuma.io/mesh: default\ndata: dGVzdA==\n",
  };
  const errors = validateSnapshot(snapshot(files))
    .diagnostics.filter((d) => d.severity === "error")
    .map((d) => `${d.file}:${d.line} ${d.resource} ${d.path} ${d.rule}: ${d.message}`);
  const message = "kuma.io/mesh label must not differ from mesh set on resource";
  assert.deepEqual(errors, [
    `generator.yaml:4 HostnameGenerator/local labels["kuma.io/mesh"] labels: ${message}`,
    `mesh.yaml:4 Mesh/default labels["kuma.io/mesh"] labels: ${message}`,
    `secret.yaml:4 GlobalSecret/token labels["kuma.io/mesh"] labels: ${message}`,
  ]);
  const onGlobal = validateSnapshot(snapshotOfTexts(files, `${PLAINTEXT_SECRETS}controlPlane:\n  mode: global\n`));
  assert.deepEqual(onGlobal.diagnostics.filter((d) => d.severity === "error"), []);
});

test("a Universal document's creationTime or modificationTime that is not a string is an error, not a field to ignore", () => {
  // The control plane decodes both into ResourceMeta's time.Time fields (go-v2.14.3
  // pkg/core/resources/model/rest/v1alpha1/meta.go), which take only a JSON string (or null), and a policy's schema types
  // them `type: string, format: date-time` (pkg/plugins/policies/meshtimeout/api/v1alpha1/rest.yaml), checked before
  // anything is decoded (rest/unmarshaller.go): kumactl apply and a PUT refuse such a document. meshops warned
  // "set by the control plane; ignored" and applied the rest.
  const errorsOf = (text: string) =>
    validateSnapshot(snapshot({ "mesh.yaml": "type: Mesh\nname: default\n", "doc.yaml": text }))
      .diagnostics.filter((d) => d.file === "doc.yaml")
      .map((d) => `${d.severity} ${d.line} ${d.path} ${d.rule}: ${d.message}`);
  assert.deepEqual(errorsOf(`type: MeshTimeout\nname: t1\nmesh: default\ncreationTime: 5\n${SPEC}`), [
    "error 4 creationTime schema: creationTime is the control plane's to set, and it decodes it as a time, an RFC 3339 string: found 5",
  ]);
  assert.deepEqual(errorsOf("type: Secret\nname: token\nmesh: default\nmodificationTime: [yesterday]\ndata: dGVzdA==\n"), [
    "error 4 modificationTime schema: modificationTime is the control plane's to set, and it decodes it as a time, an RFC 3339 string: found a sequence",
  ]);
  // As exported, it is the warning it was.
  assert.deepEqual(errorsOf(`type: MeshTimeout\nname: t2\nmesh: default\ncreationTime: "2026-01-02T03:04:05Z"\n${SPEC}`), [
    "warning 4 creationTime server-field: set by the control plane; ignored: creationTime",
  ]);
});

/**
 * A protobuf kind's or Secret's envelope is decoded by encoding/json into ResourceMeta (go-v2.14.3
 * rest/unversioned/resource.go UnmarshalJSON; kumactl's UnmarshalCore the same), which matches a key to its field in
 * any case: `Type: Dataplane`, `MESH: default` and `Name: dp-1` make Dataplane default/dp-1, and jsonpb drops the keys
 * from the message as unknown. Of several spellings the last in kumactl's order wins (sigs.k8s.io/yaml converts through
 * a Go map, whose keys json.Marshal sorts), so a lower-case `name` over a `NAME`. meshops skipped such a document as
 * not mesh configuration, or refused `Name` as an unknown field with "name is required". A policy's envelope is checked
 * against its schema first, which requires the lower-case keys: those stay refused.
 */
test("a protobuf kind's or Secret's envelope keys in another case are read as Kuma reads them, each said as a warning", () => {
  const result = validateSnapshot(
    snapshotOfTexts(
      {
        "mesh.yaml": "type: Mesh\nname: default\n",
        "edge.yaml": "TYPE: Mesh\nNAME: other\nname: edge\n",
        "dataplane.yaml": "Type: Dataplane\nMESH: default\nName: dp-1\nnetworking:\n  address: 10.1.2.1\n  inbound: [{port: 1234, tags: {kuma.io/service: web}}]\n",
        "secret.yaml": "type: Secret\nMesh: default\nnAme: token\nLabels: {team: a}\ndata: dGVzdA==\n",
        "policy.yaml": `type: MeshTimeout\nmesh: default\nName: t1\n${SPEC}`,
      },
      `${PLAINTEXT_SECRETS}resources:\n  dataplanes: true\n`,
    ),
  );
  const said = result.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line} ${d.path}: ${d.message}`);
  assert.deepEqual(said, [
    "warning dataplane.yaml:1 Type: the control plane reads Type as type (encoding/json matches a field's name in any case); write type",
    "warning dataplane.yaml:2 MESH: the control plane reads MESH as mesh (encoding/json matches a field's name in any case); write mesh",
    "warning dataplane.yaml:3 Name: the control plane reads Name as name (encoding/json matches a field's name in any case); write name",
    "warning edge.yaml:1 TYPE: the control plane reads TYPE as type (encoding/json matches a field's name in any case); write type",
    "warning edge.yaml:2 NAME: the control plane reads NAME as name (encoding/json matches a field's name in any case) and keeps name, which comes after it in its order; remove NAME",
    "error policy.yaml:3 Name: a MeshTimeout is checked against its schema before the control plane reads Name as name, and the schema requires name in lower case; write name",
    "warning secret.yaml:2 Mesh: the control plane reads Mesh as mesh (encoding/json matches a field's name in any case); write mesh",
    "warning secret.yaml:3 nAme: the control plane reads nAme as name (encoding/json matches a field's name in any case); write name",
    "warning secret.yaml:4 Labels: the control plane reads Labels as labels (encoding/json matches a field's name in any case); write labels",
  ]);
  const objects = new Map(result.resources.map((r) => [`${r.type}/${r.mesh}/${r.name}`, r.object]));
  assert.deepEqual([...objects.keys()].sort(), ["Dataplane/default/dp-1", "Mesh/default/default", "Mesh/edge/edge", "Secret/default/token"]);
  assert.deepEqual(Object.keys(objects.get("Dataplane/default/dp-1") ?? {}), ["type", "mesh", "name", "networking"]);
  assert.deepEqual(objects.get("Secret/default/token"), { type: "Secret", mesh: "default", name: "token", labels: { team: "a" }, data: "dGVzdA==" });
  assert.deepEqual(objects.get("Mesh/edge/edge"), { type: "Mesh", name: "edge" });
});

/**
 * A policy's envelope is checked against its schema (rest.yaml: no `additionalProperties`, so `Labels` passes it as a
 * property it does not know) and then decoded by encoding/json into v1alpha1.Resource, whose embedded ResourceMeta
 * takes `Labels` as its labels (go-v2.14.3 rest/unmarshaller.go Unmarshal). Kuma applies them; meshops refused the key
 * as unknown. Its other fields' spellings change nothing there (the schema requires `type` and `name`, and defaults
 * `mesh`, which sort after them), so they stay the unknown fields meshops refuses.
 */
test("a policy's labels under another case are its labels, as Kuma decodes them; other envelope keys stay unknown fields", () => {
  const result = validateSnapshot(
    snapshot({
      "mesh.yaml": "type: Mesh\nname: default\n",
      "policy.yaml": `type: MeshTimeout\nmesh: default\nname: t1\nLabels: {team: a}\n${SPEC}`,
      "other.yaml": `type: MeshTimeout\nmesh: default\nname: t2\nNAME: t3\n${SPEC}`,
    }),
  );
  const said = result.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line} ${d.path}: ${d.message}`);
  assert.deepEqual(said, [
    'error other.yaml:4 NAME: unknown field "NAME", did you mean "name"?',
    "warning policy.yaml:4 Labels: the control plane reads Labels as labels (encoding/json matches a field's name in any case); write labels",
  ]);
  const policy = result.resources.find((r) => r.name === "t1");
  assert.deepEqual(Object.keys(policy?.object ?? {}), ["type", "mesh", "name", "labels", "spec"]);
  assert.deepEqual(policy?.object.labels, { team: "a" });
});

/**
 * A policy's `Type` in another case: encoding/json finds the kind in it (UnmarshalCore reads ResourceMeta in any case),
 * but the policy's schema is checked next on the map as written (go-v2.14.3 rest/unmarshaller.go Unmarshal: rest.yaml
 * `required: [type, name, spec]`), which has no `type`, so kumactl apply and the API refuse it ("type in body is
 * required"). meshops said only "missing `type`", as if nothing named a kind; a Mesh's `Type` is a warning instead.
 */
test("a policy's Type in another case is an error that says to write type in lower case, where a Mesh's is read", () => {
  const result = validateSnapshot(
    snapshot({
      "mesh.yaml": "Type: Mesh\nname: default\n",
      "timeout.yaml": `Type: MeshTimeout\nmesh: default\nname: t1\n${SPEC}`,
      "labelled.yaml": `TYPE: MeshTimeout\nmesh: default\nname: t2\nLabels: {team: a}\n${SPEC}`,
    }),
  );
  const said = result.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line} ${d.path}: ${d.message}`);
  assert.deepEqual(said, [
    "error labelled.yaml:1 TYPE: a MeshTimeout is checked against its schema before the control plane reads TYPE as type, and the schema requires type in lower case; write type",
    "warning labelled.yaml:4 Labels: the control plane reads Labels as labels (encoding/json matches a field's name in any case); write labels",
    "warning mesh.yaml:1 Type: the control plane reads Type as type (encoding/json matches a field's name in any case); write type",
    "error timeout.yaml:1 Type: a MeshTimeout is checked against its schema before the control plane reads Type as type, and the schema requires type in lower case; write type",
  ]);
});

/**
 * A plugin kind's `name` in another case (`Name: t1`): its schema is checked on the map as written before encoding/json
 * reads `Name` as the name (go-v2.14.3 rest/unmarshaller.go Unmarshal), and it requires `name` (`required: [type,
 * name, spec]`, policies and MeshService alike), so kumactl apply and the API refuse it ("name in body is required").
 * meshops said only "name is required", as if no name were written.
 */
test("a policy's Name in another case is an error that says to write name in lower case", () => {
  const result = validateSnapshot(
    snapshot({
      "mesh.yaml": "type: Mesh\nname: default\n",
      "timeout.yaml": `type: MeshTimeout\nmesh: default\nName: t1\n${SPEC}`,
      "both.yaml": `type: MeshTimeout\nMesh: default\nNAME: t2\n${SPEC}`,
      "service.yaml": "type: MeshService\nmesh: default\nName: web\nspec:\n  ports:\n    - port: 80\n",
    }),
  );
  const said = result.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line} ${d.path}: ${d.message}`);
  assert.deepEqual(said, [
    "error both.yaml:3 NAME: a MeshTimeout is checked against its schema before the control plane reads NAME as name, and the schema requires name in lower case; write name",
    "error service.yaml:3 Name: a MeshService is checked against its schema before the control plane reads Name as name, and the schema requires name in lower case; write name",
    "error timeout.yaml:3 Name: a MeshTimeout is checked against its schema before the control plane reads Name as name, and the schema requires name in lower case; write name",
  ]);
  assert.deepEqual(result.diagnostics.map((d) => d.resource), ["MeshTimeout/default/t2", "MeshService/default/web", "MeshTimeout/default/t1"]);
});

/**
 * A document whose type, in any case, names a kind is a mesh resource written wrong, whatever else it holds: with only
 * `name` beside `Type: MeshTimeout` it was taken for another tool's file (a `name` beside keys no kind has) and skipped
 * with a warning, so the policy the author meant was neither applied nor said to be refused.
 */
test("a document whose Type names a kind is checked as a resource, never skipped as another tool's", () => {
  const result = validateSnapshot(
    snapshot({
      "mesh.yaml": "type: Mesh\nname: default\n",
      "timeout.yaml": "Type: MeshTimeout\nname: t1\n",
      "upper.yaml": "TYPE: MeshTimeout\nName: t2\n",
    }),
  );
  const said = result.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line} ${d.path} ${d.rule}`);
  assert.deepEqual(said, ["error timeout.yaml:1 Type schema", "error upper.yaml:1 TYPE schema"]);
  assert.equal(result.otherDocuments, 0);
});
