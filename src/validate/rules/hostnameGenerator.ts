/**
 * HostnameGenerator (pkg/core/resources/apis/hostnamegenerator/api/v1alpha1/validate.go, v2.14.3): exactly one
 * selector, a template that parses (with the `label` function) and renders with stub values to a DNS name, and an
 * extension with a type.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { MUST_NOT_BE_EMPTY, dns1123SubdomainProblems } from "./common.js";
import { goTemplateError } from "./goTemplate.js";
import { isSet, objectOf, prop, text, violation } from "./json.js";

const SELECTORS = ["meshService", "meshExternalService", "meshMultiZoneService"];

export function hostnameGeneratorViolations(resource: JsonObject): Violation[] {
  const spec = objectOf(prop(resource, "spec")) ?? {};
  const out: Violation[] = [];
  const selector = objectOf(prop(spec, "selector"));
  if (SELECTORS.filter((name) => isSet(prop(selector, name))).length !== 1) {
    out.push(violation("spec.selector", "exact one selector (meshService, meshExternalService) must be defined"));
  }
  out.push(...templateViolations(text(prop(spec, "template"))));
  const extension = objectOf(prop(spec, "extension"));
  if (extension && text(prop(extension, "type")) === "") out.push(violation("spec.extension.type", MUST_NOT_BE_EMPTY));
  return out;
}

function templateViolations(template: string): Violation[] {
  const path = "spec.template";
  if (template === "") return [violation(path, MUST_NOT_BE_EMPTY)];
  const error = goTemplateError(template);
  if (error !== undefined) return [violation(path, `couldn't parse template: ${error}`)];
  const rendered = renderWithStubs(template);
  if (rendered === undefined) return [];
  const problems = dns1123SubdomainProblems(rendered);
  return problems.length === 0 ? [] : [violation(path, `template renders to ${JSON.stringify(rendered)} which is not a valid DNS name: ${problems.join(", ")}`)];
}

/** The stub the validator renders with: each field's value is its name in lower case. */
const STUB: Readonly<Record<string, string>> = { Name: "name", DisplayName: "displayname", Namespace: "namespace", Mesh: "mesh", Zone: "zone" };

/** `{{ .Field }}` or `{{ label "key" }}`, with Go's trim markers. */
const ACTION = /^\{\{(-\s)?\s*(?:\.([A-Za-z_][A-Za-z0-9_]*)|label\s+"((?:[^"\\]|\\.)*)")\s*(\s-)?\}\}/;

/**
 * The template rendered as the validator renders it (stub fields; `label` gives "label"), for templates made of text,
 * stub fields and `label` calls: what HostnameGenerators hold. Anything else (pipelines, conditionals, a field the
 * stub lacks) is left to the control plane: undefined, so no DNS check is made rather than a wrong one.
 */
function renderWithStubs(template: string): string | undefined {
  let out = "";
  let rest = template;
  while (rest !== "") {
    const open = rest.indexOf("{{");
    if (open === -1) return out + rest;
    let text = rest.slice(0, open);
    rest = rest.slice(open);
    const action = ACTION.exec(rest);
    if (!action) return undefined;
    const [whole, trimLeft, fieldName, , trimRight] = action;
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, "");
    const value = fieldName === undefined ? "label" : STUB[fieldName];
    if (value === undefined) return undefined;
    out += text + value;
    rest = rest.slice(whole.length);
    if (trimRight) rest = rest.replace(/^[ \t\r\n]+/, "");
  }
  return out;
}
