/**
 * References to MeshServices the repository does not define. Offline they are normal (a Kubernetes zone generates
 * MeshServices from Services) and only summed up per mesh (validate/repository.ts). Online, the control plane's own
 * MeshServices settle most of them: what neither the repository nor the control plane knows is worth a warning each.
 */
import type { Diagnostic, Severity } from "../model/diagnostic.js";
import type { JsonObject, Resource } from "../model/resource.js";
import { subjectOf } from "../model/key.js";
import { DISPLAY_NAME_LABEL, NAMESPACE_LABEL, coreName } from "../kuma/naming.js";
import { Locator } from "../parse/locate.js";
import { runSteps, stepDue, type Steps } from "../util/steps.js";
import { diagnosticAt } from "./diagnostics.js";

/**
 * Unknown references shown at most (plan's stderr, the daemon's status): beyond, a count. A control plane that has
 * none of the services must not print 50,000 lines.
 */
export const UNKNOWN_REFERENCES_SHOWN = 50;

/** The rule of an unknown reference's warning: only online checks give it. */
export const UNKNOWN_SERVICE_RULE = "unknown-service";

/** One reference from `resource` (at field `path`) to a MeshService it may mean by any of `targets` (subjects). */
export interface ServiceReference {
  readonly resource: Resource;
  /** `MeshService/mesh/name` subjects, most specific first (a name without namespace may mean the referrer's). */
  readonly targets: readonly string[];
  readonly path: string;
}

/**
 * The texts of a validated revision's files (validate/index.ts `ValidationResult.texts`): what an online warning
 * locates its field in, long after the validation's own parse is gone. A reader, not data: what it reads from is its
 * own (private) state, so two validations of one snapshot still compare equal.
 */
export interface FileTexts {
  /** The texts of `files`, by path; a file it cannot give is left out of the answer. */
  read(files: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /**
   * Whether `resource` was read from the text `read` gives of its file. Absent: every resource of the result was. A
   * daemon's target keeps an invalid mesh's resources of an earlier revision (daemon/gate.ts composeTarget) beside
   * the head's, often in the same file: those alone are not located in the head's text.
   */
  holds?(resource: Resource): boolean;
}

/**
 * The references neither the repository nor the control plane resolves, without their warnings: a command shows a
 * few of 50,000 (unknownServiceWarnings), and building every warning's message was a tenth of a second and 10 MB.
 */
export function unresolvedServiceReferences(references: readonly ServiceReference[], live: { has(subject: string): boolean }): ServiceReference[] {
  return references.filter((reference) => isUnresolved(reference, live));
}

/** Whether none of the subjects a reference may mean is among `live`'s. */
export function isUnresolved({ targets }: ServiceReference, live: { has(subject: string): boolean }): boolean {
  return !targets.some((target) => live.has(target));
}

/**
 * The warnings shown of the unresolved `references` (in file order): the first UNKNOWN_REFERENCES_SHOWN, each at the
 * line and column of the field that names the service, as offline diagnostics are. Only the few files they are in
 * are read (`texts`) and parsed again, one at a time: validation located none of the tens of thousands of references
 * it found, which would have parsed every file twice. A file `texts` cannot give (or none), or a resource not read
 * from the text it gives (`holds`), leaves its warnings at their documents' start.
 */
export function unknownServiceWarnings(references: readonly ServiceReference[], texts: FileTexts | undefined): Promise<Diagnostic[]> {
  const shown = references.slice(0, UNKNOWN_REFERENCES_SHOWN).map(({ resource, targets, path }) => ({
    resource,
    path,
    message: `${targets[0] ?? "the MeshService"} is defined neither in the repository nor in the control plane`,
  }));
  return locatedDiagnostics(shown, texts, UNKNOWN_SERVICE_RULE, "warning");
}

/**
 * Diagnostics found after the validation (online), each at the line and column of its field: only the files they are
 * in are read again (`texts`). A file `texts` cannot give (or none), or a resource not read from the text it gives
 * (`holds`), leaves its diagnostics at their documents' start.
 */
export async function locatedDiagnostics(
  items: readonly { readonly resource: Resource; readonly path: string; readonly message: string }[],
  texts: FileTexts | undefined,
  rule: string,
  severity: Severity,
): Promise<Diagnostic[]> {
  const held = (resource: Resource) => texts?.holds?.(resource) ?? true;
  const files = [...new Set(items.flatMap(({ resource }) => (resource.source && held(resource) ? [resource.source.file] : [])))];
  // A file that cannot be read again (a Git failure) costs its diagnostics their field's position, not the diagnostics.
  const found = texts && files.length > 0 ? await texts.read(files).catch(() => undefined) : undefined;
  const locator = new Locator((file) => found?.get(file));
  return items.map(({ resource, path, message }) => diagnosticAt(held(resource) ? locator : AT_DOCUMENTS, resource, path, message, rule, severity));
}

/** A locator of no text: what it places stays at its document. */
const AT_DOCUMENTS = new Locator(() => undefined);

/**
 * The subjects by which references may mean the control plane's MeshServices: each one's own, and the name it was made
 * under (`kuma.io/display-name`, namespaced by `k8s.kuma.io/namespace`). A global control plane stores what zones sync
 * to it as `<name>-<hash>` (pkg/kds/hash), while the policies it sends to those zones name the services as the zones do.
 */
export function liveServiceSubjects(objects: Iterable<JsonObject>): Set<string> {
  return runSteps(liveServiceSubjectsSteps(objects));
}

/** Objects looked at per step of liveServiceSubjectsSteps: 55,000 live objects were one 100 ms turn of the daemon. */
const OBJECTS_PER_STEP = 2048;

/** liveServiceSubjects in steps (util/steps.ts), for the daemon's live cache. */
export function* liveServiceSubjectsSteps(objects: Iterable<JsonObject>): Steps<Set<string>> {
  const subjects = new Set<string>();
  const add = (mesh: string, name: string) => subjects.add(subjectOf({ type: "MeshService", mesh, name }));
  let seen = 0;
  for (const object of objects) {
    if (stepDue(seen++, OBJECTS_PER_STEP)) yield;
    if (object.type !== "MeshService" || typeof object.mesh !== "string" || typeof object.name !== "string") continue;
    add(object.mesh, object.name);
    const labels = object.labels;
    const display = typeof labels === "object" && labels !== null && !Array.isArray(labels) ? labels[DISPLAY_NAME_LABEL] : undefined;
    if (typeof display !== "string" || display === "" || display === object.name) continue;
    // A namespaced one is `name.namespace` (a Kubernetes zone's own is already so named); its plain name means another.
    const namespace = (labels as JsonObject)[NAMESPACE_LABEL];
    add(object.mesh, typeof namespace === "string" && namespace !== "" ? coreName(display, namespace) : display);
  }
  return subjects;
}
