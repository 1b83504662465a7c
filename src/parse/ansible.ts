/**
 * Ansible's files beside the mesh YAML: a playbook (a list of plays), a task or handler file (a list of tasks), and a
 * variables file (in `group_vars`, `host_vars`, or a role's `vars` or `defaults`). None is mesh configuration: to
 * convert.ts each is another tool's document, as a Compose file is. A list whose items name a kind meshops knows (`type`
 * or `kind`), or a misspelling of one, or Kuma's `apiVersion`, or have a `mesh`, `spec` or `metadata`, is mesh resources
 * written as a list, never Ansible's; so is a variables file's mapping that looks like one. Pure.
 */
import { isKindOrMisspeltKind, isKnownKind, isKumaApiVersion } from "../kuma/types.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";

/** What a message calls each. */
export type AnsibleFile = "an Ansible playbook" | "an Ansible task file" | "an Ansible variables file";

/** Keys only a play has (`import_playbook` is a playbook's entry of its own). */
const PLAY_KEYS = new Set(["hosts", "import_playbook", "ansible.builtin.import_playbook", "tasks", "pre_tasks", "post_tasks", "roles", "handlers", "gather_facts", "vars_files"]);

/** Task keywords (Ansible's playbook keywords of a task or block) that no mesh resource has at its top. */
const TASK_KEYS = new Set([
  "block", "rescue", "always", "include_tasks", "import_tasks", "include_role", "import_role", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks",
  "ansible.builtin.include_role", "ansible.builtin.import_role", "when", "loop", "loop_control", "with_items", "register", "notify", "listen", "become",
  "become_user", "delegate_to", "changed_when", "failed_when", "ignore_errors", "until", "retries", "run_once", "no_log",
]);

/**
 * Keywords a task may have beside its module that a mesh resource may have too (`tags` is a Universal kind's field): a
 * task's only with a module named beside them.
 */
const TASK_OPTIONS = new Set(["tags", "vars", "args", "environment", "action", "local_action", "async", "poll", "check_mode", "diff", "throttle", "timeout", "delegate_facts", "become_method", "become_flags", "remote_user", "connection", "any_errors_fatal", "module_defaults", "collections", "debugger", "with_dict", "with_fileglob", "with_first_found", "with_indexed_items", "with_lines", "with_nested", "with_sequence", "with_subelements", "with_together"]);

/** ansible.builtin's modules (ansible-core 2.17), and kubernetes.core's, by the short names a task may call them. */
const SHORT_MODULES = new Set([
  "add_host", "apt", "apt_key", "apt_repository", "assemble", "assert", "async_status", "blockinfile", "command", "copy", "cron", "deb822_repository", "debconf", "debug",
  "dnf", "dnf5", "dpkg_selections", "expect", "fail", "fetch", "file", "find", "gather_facts", "get_url", "getent", "git", "group", "group_by", "hostname", "iptables",
  "known_hosts", "lineinfile", "meta", "mount_facts", "package", "package_facts", "pause", "ping", "pip", "raw", "reboot", "replace", "rpm_key", "script", "service",
  "service_facts", "set_fact", "set_stats", "setup", "shell", "slurp", "stat", "subversion", "systemd", "systemd_service", "sysvinit", "tempfile", "template", "unarchive",
  "uri", "user", "validate_argument_spec", "wait_for", "wait_for_connection", "yum_repository", "include_vars", "k8s", "k8s_info", "helm", "helm_repository",
]);

/** A module by its fully qualified collection name (`ansible.builtin.template`, `kubernetes.core.k8s`). */
const FULLY_QUALIFIED_MODULE = /^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$/;

/** Where Ansible reads variables files, and a role's task and handler files, by convention. */
const VARIABLES_FOLDER = /(^|\/)(group_vars|host_vars)\/|(^|\/)roles\/[^/]+\/(vars|defaults)\//;
const TASKS_FOLDER = /(^|\/)roles\/[^/]+\/(tasks|handlers)\//;

/**
 * Which of Ansible's files the document `value` of the file at `path` is, or undefined. A mapping is a variables file
 * only in a variables folder, and only when it names no kind meshops knows; a list, when all its items are mappings that name none, and a play's key, a task keyword or a fully qualified module says whose they are (a role's tasks
 * folder says so for tasks that name a module by its short name only).
 */
export function ansibleFileOf(path: string, value: JsonValue): AnsibleFile | undefined {
  // The kind first: convert.ts asks of every universal resource, which names one, so the path's pattern is seldom run.
  if (isJsonObject(value)) return !namesKind(value) && VARIABLES_FOLDER.test(path) && !looksLikeResource(value) ? "an Ansible variables file" : undefined;
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const items: JsonObject[] = [];
  for (const item of value) {
    if (!isJsonObject(item) || namesKind(item) || hasResourceField(item)) return undefined;
    items.push(item);
  }
  if (items.some((item) => Object.keys(item).some((key) => PLAY_KEYS.has(key)))) return "an Ansible playbook";
  const tasks = TASKS_FOLDER.test(path) || items.some((item) => Object.keys(item).some((key) => TASK_KEYS.has(key) || FULLY_QUALIFIED_MODULE.test(key))) || items.every(isShortModuleTask);
  return tasks ? "an Ansible task file" : undefined;
}

/**
 * A named task that calls one of Ansible's modules by its short name (`apt:`), with nothing else but task keywords
 * beside it: said of every item before a list with no other sign is called a task file.
 */
function isShortModuleTask(item: JsonObject): boolean {
  if (typeof item.name !== "string") return false;
  let modules = 0;
  for (const key of Object.keys(item)) {
    if (key === "name" || TASK_KEYS.has(key) || TASK_OPTIONS.has(key)) continue;
    if (!SHORT_MODULES.has(key)) return false;
    modules++;
  }
  return modules === 1;
}

/** A list item with a mesh resource's field (`mesh`, `spec`, `metadata`) or a misspelt kind: a resource written in a list. */
function hasResourceField(item: JsonObject): boolean {
  return "mesh" in item || "spec" in item || "metadata" in item || namesMisspeltKind(item.type) || namesMisspeltKind(item.kind);
}

function namesMisspeltKind(value: JsonValue | undefined): boolean {
  return typeof value === "string" && isKindOrMisspeltKind(value);
}

/**
 * A variables file's mapping that looks like a mesh resource: a `type` or `kind`, in any case (encoding/json reads
 * `Type` as `type`), that names a kind or a misspelling of one, beside a `name`, `mesh`, `spec` or `metadata`.
 */
function looksLikeResource(value: JsonObject): boolean {
  let kind = false;
  let field = false;
  for (const key of Object.keys(value)) {
    const folded = key.toLowerCase();
    if (folded === "type" || folded === "kind") kind ||= namesMisspeltKind(value[key]);
    else if (folded === "name" || folded === "mesh" || folded === "spec" || folded === "metadata") field = true;
  }
  return kind && field;
}

/**
 * Whether a mapping says it is a mesh resource: its `type` or `kind` is a kind meshops knows, or its `apiVersion` is
 * Kuma's. Any other `type` is a variable's (`type: production`), which a mesh resource written wrong would not have.
 */
function namesKind(value: JsonObject): boolean {
  const { type, kind, apiVersion } = value;
  return (typeof type === "string" && isKnownKind(type)) || (typeof kind === "string" && isKnownKind(kind)) || (typeof apiVersion === "string" && isKumaApiVersion(apiVersion));
}
