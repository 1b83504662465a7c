/**
 * MeshIdentity's `spec.spiffeID.trustDomain` and `spec.spiffeID.path` are Go text/template strings, parsed by the
 * control plane on PUT with one extra function, `label` (meshidentity validator.go). A template Go's parser refuses is
 * an error at the field, with Go's message; every template Go accepts is accepted (the control plane's own defaults,
 * the docs' examples, control structures, pipelines).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JsonObject } from "../src/model/resource.js";
import { goTemplateError } from "../src/validate/rules/goTemplate.js";
import { semanticViolations } from "../src/validate/rules/index.js";

const identity = (spiffeID: JsonObject): JsonObject => ({
  type: "MeshIdentity",
  mesh: "default",
  name: "id",
  spec: { selector: { dataplane: { matchLabels: {} } }, spiffeID, provider: { type: "Bundled", bundled: { autogenerate: { enabled: true } } } },
});

test("templates Go accepts: the control plane's defaults, label, pipelines, control structures, comments, trim markers", () => {
  for (const template of [
    "{{ .Mesh }}.{{ .Zone }}.mesh.local",
    "/ns/{{ .Namespace }}/sa/{{ .ServiceAccount }}",
    "/workload/{{ .Workload }}",
    '/ns/{{ label "k8s.kuma.io/namespace" }}/app/{{ label "app" | printf "%s-x" }}',
    "{{ if .Zone }}{{ .Zone }}{{ else if .Mesh }}{{ .Mesh }}{{ else }}none{{ end }}",
    "{{ with $z := .Zone }}{{ $z }}{{ end }}{{ range $i, $v := .List }}{{ $i }}{{ break }}{{ end }}",
    "{{/* a comment */}}{{- .Mesh -}}.x",
    '{{ printf "%s.%s" (index .Labels "team") .Mesh | len }}',
    "{{ `raw` }}{{ 'c' }}{{ 1.5e3 }}{{ -2 }}{{ 0x1F }}{{ true }}{{ nil | print }}",
    '{{ define "x" }}a{{ end }}{{ template "x" . }}{{ block "y" .Mesh }}{{ . }}{{ end }}',
    "no action at all",
    "{{ .Mesh.Name.Other }}{{ $.Mesh }}{{ (.Mesh).Name }}",
  ]) {
    assert.equal(goTemplateError(template), undefined, template);
  }
});

test("templates Go refuses, with Go's message", () => {
  const cases: [string, string][] = [
    ["{{ .Mesh", "template: :1: unclosed action"],
    ["{{ .Mesh }", 'template: :1: unexpected "}" in operand'],
    ["{{ .Mesh | lower }}", 'template: :1: function "lower" not defined'],
    ["{{ }}", "template: :1: missing value for command"],
    ["{{ end }}", "template: :1: unexpected {{end}}"],
    ["{{ else }}", "template: :1: unexpected {{else}}"],
    ["{{ if .Zone }}x", "template: :1: unexpected EOF"],
    ["a\n{{ $x }}", 'template: :2: undefined variable "$x"'],
    ['{{ label "a }}', "template: :1: unterminated quoted string"],
    ["{{/* open", "template: :1: unclosed comment"],
    ["{{ .Mesh | \"x\" }}", "template: :1: non executable command in pipeline stage 2"],
    ["{{ break }}", "template: :1: {{break}} outside {{range}}"],
    ["{{ .Mesh ) }}", "template: :1: unexpected right paren"],
  ];
  for (const [template, message] of cases) assert.equal(goTemplateError(template), message, template);
});

test("MeshIdentity: a bad template is an error at spec.spiffeID.trustDomain or .path, as the control plane words it", () => {
  assert.deepEqual(semanticViolations("MeshIdentity", identity({ trustDomain: "{{ .Mesh }}.{{ .Zone }}.mesh.local", path: "/workload/{{ .Workload }}" })), []);
  assert.deepEqual(
    semanticViolations("MeshIdentity", identity({ trustDomain: "{{ .Mesh", path: "/w/{{ lower .Workload }}" })).map((v) => `${v.path}: ${v.message}`),
    ["spec.spiffeID.trustDomain: couldn't parse template: template: :1: unclosed action", 'spec.spiffeID.path: couldn\'t parse template: template: :1: function "lower" not defined'],
  );
});
