import { boundedMessage, type Diagnostic, type Severity } from "../model/diagnostic.js";
import { subjectOf } from "../model/key.js";
import type { Resource, ResourceFormat, SourceRef } from "../model/resource.js";
import { reportedPath, toSourcePath } from "../parse/convert.js";
import { fieldOf, type PathSegments } from "../model/fieldPath.js";
import type { KeyAlias, Locator, Position } from "../parse/locate.js";
import { plainScalarNote } from "../parse/yaml11.js";
import { isSecretPath } from "../kuma/secretFields.js";
import { protoNameAt } from "../kuma/protoForm.js";
import { resourceType } from "../kuma/types.js";

/** An error where a string belongs (kube-openapi's wording, or the shape's): the value may be a plain scalar YAML 1.1 typed. */
const WANTS_STRING = /must be of type [^:]*\bstring\b|must be a string|must be a (?:mesh|namespace) name, found/;

/**
 * Ties a problem with one field of a resource (`path` in the Universal model, as the control plane reports it) to the
 * file, line and column where that field is written, and reports the path as the control plane would for the
 * document's shape.
 */
export function diagnosticAt(
  locator: Locator,
  resource: Resource,
  path: string,
  message: string,
  rule: string,
  severity: Severity = "error",
): Diagnostic {
  const source = resource.source;
  const sourcePath = source ? toSourcePath(source.format, resource.type, fieldOf(path)) : [];
  const alias = source ? protoNames(resource.type, source.format) : undefined;
  const position = source ? positionIn(locator, source, sourcePath, alias) : undefined;
  if (source) message = withPlainScalarNote(locator, source.file, source.docIndex, sourcePath, message, isSecretPath(resource.object, fieldOf(path)), alias);
  return {
    severity,
    file: source?.file ?? "",
    line: position?.line ?? 0,
    column: position?.column ?? 0,
    resource: subjectOf(resource),
    path: source ? reportedPath(source.format, resource.type, path) : path,
    message: boundedMessage(message),
    rule,
  };
}

/**
 * Where the field at `path` (in the Universal model) of `resource` is written: its line and column, or the deepest
 * part of the path written, or the document's start; undefined for a resource read from no file (a default policy).
 */
export function fieldPosition(locator: Locator, resource: Resource, path: string): Position | undefined {
  const source = resource.source;
  return source ? positionIn(locator, source, toSourcePath(source.format, resource.type, fieldOf(path)), protoNames(resource.type, source.format)) : undefined;
}

function positionIn(locator: Locator, source: SourceRef, sourcePath: PathSegments, alias: KeyAlias | undefined): Position {
  return locator.locate(source.file, source.docIndex, sourcePath, alias) ?? source;
}

/**
 * A protobuf kind's fields as they may be written: by their proto name (`connection_limit`), which the converter read
 * as the JSON name every rule reports (protoForm.ts). Below `spec` in a Kubernetes document.
 */
function protoNames(typeName: string, format: ResourceFormat): KeyAlias | undefined {
  if (!resourceType(typeName)?.flat) return undefined;
  if (format === "universal") return (at, key) => protoNameAt(typeName, at, key);
  return (at, key) => (at[0] === "spec" ? protoNameAt(typeName, at.slice(1), key) : undefined);
}

/**
 * A problem reported at the start of a resource's document, with no field located: for what may come by the tens of
 * thousands (references to services a zone provides), where locating each field would cost more than validating.
 * `subject`: the resource's, when the caller has it already (one string kept per resource, not one per item).
 */
export function diagnosticAtDocument(
  resource: Resource,
  path: string,
  message: string,
  rule: string,
  severity: Severity,
  subject: string = subjectOf(resource),
): Diagnostic {
  const source = resource.source;
  return { severity, file: source?.file ?? "", line: source?.line ?? 0, column: source?.column ?? 0, resource: subject, path, message: boundedMessage(message), rule };
}

/**
 * A message about a field that should hold a string, with what YAML 1.1 read its plain scalar as (`on` a boolean,
 * `0755` the number 493) when that is why: the fix is to quote it, which nothing else would say. `secret`: the field
 * holds a secret (src/kuma/secretFields.ts), whose text and value the note does not quote.
 */
export function withPlainScalarNote(locator: Locator, file: string, docIndex: number, sourcePath: PathSegments, message: string, secret: boolean, alias?: KeyAlias): string {
  if (!WANTS_STRING.test(message)) return message;
  const plain = locator.plainScalarAt(file, docIndex, sourcePath, alias);
  const note = plain === undefined ? undefined : plainScalarNote(plain, secret);
  return note ? `${message}; ${note}` : message;
}
