/**
 * Ansible's files beside the mesh YAML: a playbook (a list of plays), a task or handler file (a list of tasks), and a
 * variables file (in `group_vars`, `host_vars`, or a role's `vars` or `defaults`). None is mesh configuration: to
 * convert.ts each is another tool's document, as a Compose file is. A list whose items name a kind meshops knows (`type`
 * or `kind`), or Kuma's `apiVersion`, is mesh resources written as a list, never Ansible's. Pure.
 */
import { isKnownKind, isKumaApiVersion } from "../kuma/types.js";
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
  if (isJsonObject(value)) return !namesKind(value) && VARIABLES_FOLDER.test(path) ? "an Ansible variables file" : undefined;
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const items: JsonObject[] = [];
  for (const item of value) {
    if (!isJsonObject(item) || namesKind(item)) return undefined;
    items.push(item);
  }
  if (items.some((item) => Object.keys(item).some((key) => PLAY_KEYS.has(key)))) return "an Ansible playbook";
  const tasks = TASKS_FOLDER.test(path) || items.some((item) => Object.keys(item).some((key) => TASK_KEYS.has(key) || FULLY_QUALIFIED_MODULE.test(key)));
  return tasks ? "an Ansible task file" : undefined;
}

/**
 * Whether a mapping says it is a mesh resource: its `type` or `kind` is a kind meshops knows, or its `apiVersion` is
 * Kuma's. Any other `type` is a variable's (`type: production`), which a mesh resource written wrong would not have.
 */
function namesKind(value: JsonObject): boolean {
  const { type, kind, apiVersion } = value;
  return (typeof type === "string" && isKnownKind(type)) || (typeof kind === "string" && isKnownKind(kind)) || (typeof apiVersion === "string" && isKumaApiVersion(apiVersion));
}
