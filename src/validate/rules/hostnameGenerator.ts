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
  const rendering = renderWithStubs(template);
  if (rendering === undefined) return [];
  if ("error" in rendering) return [violation(path, `couldn't render template with stub values: ${rendering.error}`)];
  const { rendered } = rendering;
  const problems = dns1123SubdomainProblems(rendered);
  return problems.length === 0 ? [] : [violation(path, `template renders to ${JSON.stringify(rendered)} which is not a valid DNS name: ${problems.join(", ")}`)];
}

/** The stub the validator renders with: each field's value is its name in lower case. */
const STUB: Readonly<Record<string, string>> = { Name: "name", DisplayName: "displayname", Namespace: "namespace", Mesh: "mesh", Zone: "zone" };
/** How Go prints the stub's type (an anonymous struct) in an execution error. */
const STUB_TYPE = `struct { ${Object.keys(STUB).map((field) => `${field} string`).join("; ")} }`;

/** `{{ .Field }}` or `{{ label "key" }}`, with Go's trim markers. */
const ACTION = /^\{\{(-\s)?\s*(?:\.([A-Za-z_][A-Za-z0-9_]*)|label\s+"((?:[^"\\]|\\.)*)")\s*(\s-)?\}\}/;

/**
 * The template rendered as the validator renders it (stub fields; `label` gives "label"), for templates made of text,
 * stub fields and `label` calls: what HostnameGenerators hold. A field the stub lacks (`.ServiceName`, `.name`) fails
 * as Go's execution fails, with its error. Anything else (pipelines, conditionals) is left to the control plane:
 * undefined, so no check is made rather than a wrong one.
 */
function renderWithStubs(template: string): { readonly rendered: string } | { readonly error: string } | undefined {
  let out = "";
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf("{{", at);
    if (open === -1) return { rendered: out + template.slice(at) };
    let text = template.slice(at, open);
    const action = ACTION.exec(template.slice(open));
    if (!action) return undefined;
    const [whole, trimLeft, fieldName, , trimRight] = action;
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, "");
    const value = fieldName === undefined ? "label" : STUB[fieldName];
    if (value === undefined) return { error: missingFieldError(template, open + whole.indexOf(`.${fieldName ?? ""}`), fieldName ?? "") };
    out += text + value;
    at = open + whole.length;
    if (trimRight) while (at < template.length && " \t\r\n".includes(template.charAt(at))) at++;
  }
  return { rendered: out };
}

/**
 * text/template's error for a field the data lacks, at the field's byte position (`template: :1:3: executing "" at
 * <.ServiceName>: can't evaluate field ServiceName in type struct {...}`): the template is unnamed, its location
 * the line and the byte within it (parse.Tree.ErrorContext).
 */
function missingFieldError(template: string, position: number, field: string): string {
  const before = Buffer.from(template.slice(0, position), "utf8").toString("latin1");
  const lineStart = before.lastIndexOf("\n") + 1;
  const line = before.split("\n").length;
  return `template: :${line}:${before.length - lineStart}: executing "" at <.${field}>: can't evaluate field ${field} in type ${STUB_TYPE}`;
}
