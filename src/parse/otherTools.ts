/**
 * Which tool wrote a document that is no mesh resource, where its keys (or its file's name) say so with certainty: the
 * other-document warning names it, so that whoever reads the warning knows the file at once. Asked by convert.ts only
 * of mappings with none of a mesh resource's fields, or whose apiVersion is a number (Ansible's files are ansible.ts's). Pure.
 */
import { isJsonObject as isObject, type JsonObject, type JsonValue } from "../model/resource.js";

/** GitLab CI's file and the includes named after it (`ci/build.gitlab-ci.yml`). */
const GITLAB_CI_FILE = /(^|[/.])gitlab-ci\.ya?ml$/i;

/** What Grafana provisions from a file whose `apiVersion` is a number (datasources, dashboards' providers, plugins, alerting). */
const GRAFANA_PROVISIONING_KEYS = ["datasources", "deleteDatasources", "providers", "apps", "notifiers", "groups", "deleteRules", "contactPoints", "policies", "muteTimes", "templates"];

/** What the warning calls the tool whose document `value`, in the file at `path`, is; undefined when no key says for certain. */
export function otherToolOf(path: string, value: JsonObject): string | undefined {
  if (typeof value.apiVersion === "number" && GRAFANA_PROVISIONING_KEYS.some((key) => key in value)) return "a Grafana provisioning file";
  if (typeof value.$schema === "string" && value.$schema.includes("json-schema.org")) return "a JSON Schema";
  if ((/^3\./.test(String(value.openapi)) || value.swagger === "2.0") && isObject(value.info)) return "an OpenAPI document";
  // YAML 1.1, as Kuma's readers and meshops read it, takes the key `on` for true.
  if (isObject(value.jobs) && ("on" in value || "true" in value)) return "a GitHub Actions workflow";
  if (isObject(value.runs) && typeof value.runs.using === "string") return "a GitHub Action's metadata file";
  if (GITLAB_CI_FILE.test(path) || (Array.isArray(value.stages) && Object.values(value).some((job) => isObject(job) && "script" in job))) return "a GitLab CI file";
  if (isObject(value.services) && Object.values(value.services).some((service) => isObject(service) && ("image" in service || "build" in service))) return "a Docker Compose file";
  if (typeof value.site_name === "string") return "an MkDocs configuration";
  if (someItem(value.groups, (group) => Array.isArray(group.rules))) return "a Prometheus rules file";
  if (Array.isArray(value.scrape_configs)) return "a Prometheus configuration";
  if (isObject(value.route) && Array.isArray(value.receivers)) return "an Alertmanager configuration";
  if ("_format_version" in value) return "a decK declarative configuration (Kong Gateway)";
  if (someItem(value.releases, (release) => typeof release.chart === "string")) return "a Helmfile";
  if (value.version === 2 && someItem(value.updates, (update) => "package-ecosystem" in update)) return "a Dependabot configuration";
  return undefined;
}

function someItem(list: JsonValue | undefined, test: (item: JsonObject) => boolean): boolean {
  return Array.isArray(list) && list.some((item) => isObject(item) && test(item));
}
