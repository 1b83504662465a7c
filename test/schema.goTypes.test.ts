import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { projectRoot } from "./helpers/git.js";

/**
 * scripts/go-decode-rules.mjs (used by scripts/generate-schemas.mjs) on small Go packages written here: what it
 * derives from each Go construct, and that it stops on what it does not understand, so a new Kuma release cannot add a
 * field of an unknown type without someone deciding what its decoder accepts.
 */
interface DecodeRules {
  applyGoDecodeRules(options: {
    typeName: string;
    schema: Schema;
    goSourceRoot: string;
    packagePath: string;
    goTypeName: string;
    at: string;
    envelope: string[];
  }): { integerFields: { path: string; goType: string }[]; durationFields: string[] };
}
type Schema = { [keyword: string]: unknown };

const { applyGoDecodeRules } = (await import(path.join(projectRoot, "scripts/go-decode-rules.mjs"))) as DecodeRules;

const MODULE = "github.com/kumahq/kuma/v2";
const roots: string[] = [];
after(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A Go source tree with the given files (paths inside the Kuma module). */
function goTree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "meshops-go-"));
  roots.push(root);
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), source);
  }
  return root;
}

const COMMON = `package v1alpha1

// Port is a named integer type: the decoder sees a uint32.
type Port uint32

type Alias = Port

type Base struct {
	Weight *uint \`json:"weight,omitempty"\`
}
`;

const POLICY = `// +kubebuilder:object:generate=true
package v1alpha1

import (
	k8s "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	common_api "github.com/kumahq/kuma/v2/api/common/v1alpha1"
)

/* A block comment with "quotes" and a \`backtick\`. */
type Thing struct {
	// Ports is a pointer to a slice of a named type from another package.
	Ports *[]common_api.Port \`json:"ports,omitempty"\`
	Ratio, Count int64 \`json:"count"\`
	Labels map[string]common_api.Alias \`json:"labels,omitempty"\`
	Timeout *k8s.Duration \`json:"timeout,omitempty"\`
	Percent intstr.IntOrString \`json:"percent"\`
	Name string \`json:"name"\`
	Hidden int \`json:"-"\`
	common_api.Base
	Inline struct {
		Level int8 \`json:"level"\`
	} \`json:"inline"\`
}

func (t *Thing) Validate() error {
	type local struct{ X int }
	return nil
}
`;

const schema = (): Schema => ({
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        ports: { type: "array", items: { type: "integer", format: "int32" } },
        count: { type: "integer" },
        labels: { type: "object", additionalProperties: { type: "integer" } },
        timeout: { type: "string" },
        percent: { type: ["integer", "string"] },
        name: { type: "string" },
        weight: { type: "integer", minimum: 0 },
        inline: { type: "object", properties: { level: { type: "integer" } } },
      },
    },
  },
});

function apply(files: Record<string, string>, spec: Schema = schema()) {
  return applyGoDecodeRules({
    typeName: "Thing",
    schema: spec,
    goSourceRoot: goTree(files),
    packagePath: `${MODULE}/pkg/plugins/policies/thing/api/v1alpha1`,
    goTypeName: "Thing",
    at: "spec",
    envelope: [],
  });
}

const files = (policy = POLICY, common = COMMON) => ({
  "api/common/v1alpha1/common.go": common,
  "pkg/plugins/policies/thing/api/v1alpha1/thing.go": policy,
});

const property = (s: Schema, name: string) => ((s.properties as Schema).spec as { properties: Record<string, Schema> }).properties[name];

describe("Go types to decode-time schema rules", () => {
  void it("follows pointers, slices, maps, named types, aliases, embedded and inline structs", () => {
    const spec = schema();
    const found = apply(files(), spec);
    assert.deepEqual(found.integerFields, [
      { path: "spec.ports[]", goType: "uint32" },
      { path: "spec.count", goType: "int64" },
      { path: "spec.labels{}", goType: "uint32" },
      { path: "spec.percent", goType: "intstr.IntOrString" },
      { path: "spec.weight", goType: "uint" },
      { path: "spec.inline.level", goType: "int8" },
    ]);
    assert.deepEqual(found.durationFields, ["spec.timeout"]);
    // rest.yaml's `format: int32` on a Go uint32 gives way to the Go type; its own minimum stays.
    assert.deepEqual(property(spec, "ports")?.items, { type: "integer", format: "uint32" });
    assert.deepEqual(property(spec, "weight"), { type: "integer", minimum: 0, format: "uint" });
    assert.deepEqual(property(spec, "timeout"), { type: "string", format: "duration" });
    assert.deepEqual(property(spec, "percent"), { type: ["integer", "string"], format: "int32" });
  });

  void it("stops on a schema field the Go type does not have", () => {
    const spec = schema();
    property(spec, "inline")!.properties = { level: { type: "integer" }, extra: { type: "string" } };
    assert.throws(() => apply(files(), spec), /spec\.inline\.extra: in the schema but not in the Go type/);
  });

  void it("stops on a type from a package outside the tree that nobody classified", () => {
    const policy = POLICY.replace('"k8s.io/apimachinery/pkg/util/intstr"', '"k8s.io/apimachinery/pkg/util/intstr"\n\tres "k8s.io/apimachinery/pkg/api/unknown"').replace(
      "Name string",
      "Name res.Thing",
    );
    assert.throws(() => apply(files(policy)), /spec\.name: Go type k8s\.io\/apimachinery\/pkg\/api\/unknown\.Thing is outside the reference/);
  });

  void it("stops on a type with its own UnmarshalJSON", () => {
    const common = `${COMMON}\nfunc (p *Base) UnmarshalJSON(data []byte) error { return nil }\n`;
    assert.throws(() => apply(files(POLICY, common)), /Base has its own UnmarshalJSON/);
  });

  void it("stops when the schema's type cannot hold the Go type", () => {
    const spec = schema();
    property(spec, "count")!.type = "string";
    assert.throws(() => apply(files(), spec), /spec\.count: schema type "string" does not fit Go type int64/);
  });

  void it("stops on a Go type it has no rule for (float32, channels)", () => {
    assert.throws(() => apply(files(POLICY.replace("Name string", "Name float32"))), /spec\.name: Go type float32 is not supported/);
    assert.throws(() => apply(files(POLICY.replace("Name string", "Name chan int"))), /unsupported type starting with "chan"/);
  });
});
