// @ts-check
// meshops status page: renders the daemon's /api/status, live through /api/events (server-sent events: the whole
// status once, then per-mesh deltas merged here), polling /api/status while the stream is unavailable. Meshes are
// shown problems first, a page of cards at a time, with a search and a state filter: 1,000 meshes are 60 cards. Hand-written, no build step, no dependency, no other origin.
// Everything that comes from the daemon (commit messages, names, diffs) goes into the page as text, never as HTML.
// Type-checked against the status JSON's one type (../statusTypes.ts) by `npm run typecheck` (ui/tsconfig.json).

/** @typedef {import("../statusTypes.js").StatusJson} StatusJson */
/** @typedef {import("../statusTypes.js").StatusDelta} StatusDelta */
/** @typedef {import("../statusTypes.js").MeshState} MeshState */
/** @typedef {import("../statusTypes.js").MeshStatus} MeshStatus */
/** @typedef {import("../statusTypes.js").CommitInfo} CommitInfo */
/** @typedef {import("../statusTypes.js").Diagnostic} Diagnostic */
/** @typedef {import("../statusTypes.js").ReconcileRecord} ReconcileRecord */
/** @typedef {import("../statusTypes.js").RunResult} RunResult */
/** @typedef {import("../statusTypes.js").HydrationStatus} HydrationStatus */
/** @typedef {import("../statusTypes.js").RemovedMesh} RemovedMesh */
/** @typedef {"ok" | "warn" | "bad" | "busy" | "pending"} Tone */
/** A label and its tone. @typedef {readonly [string, Tone]} Look */
/** What `h` and `fill` take as children (arrays nest to any depth). @typedef {Node | string | number | false | null | undefined | readonly unknown[]} Child */
/** A row of a definition list: the term and its value, or nothing. @typedef {readonly [string, ...Child[]] | null} FactRow */

const POLL_MS = 3000;
const RECONNECT_MS = 5000;
const MAX_DRIFT_ITEMS = 50;
const MAX_DIAGNOSTICS = 200;
const MAX_MESH_ERRORS = 5;
const TOKEN_KEY = "meshops.reconcileToken";
/** Mesh cards drawn at a time ("Show more" adds as many). */
const MESH_PAGE = 60;
/** The most urgent state first: the order of MESH_STATES in statusTypes.ts, which the cards are sorted by. @type {readonly MeshState[]} */
const STATE_ORDER = ["unknown", "invalid", "failed", "blocked", "awaiting-approval", "suspended", "applying", "behind", "drifted", "in-sync"];
/** What the "Problems" filter shows (as `/api/status?state=problems`). @type {ReadonlySet<MeshState>} */
const PROBLEM_STATES = new Set(["unknown", "invalid", "failed", "blocked", "awaiting-approval", "drifted"]);

/** @type {Record<import("../statusTypes.js").MeshState, Look>} */
const MESH_STATES = {
  "in-sync": ["In sync", "ok"],
  drifted: ["Drifted", "warn"],
  behind: ["Behind", "pending"],
  applying: ["Applying", "busy"],
  suspended: ["Suspended", "pending"],
  "awaiting-approval": ["Awaiting approval", "warn"],
  blocked: ["Blocked", "bad"],
  failed: ["Failed", "bad"],
  invalid: ["Invalid", "bad"],
  unknown: ["Unknown", "bad"],
};
/** @type {Record<RunResult, Look>} */
const RESULTS = {
  applied: ["applied", "ok"],
  unchanged: ["unchanged", "ok"],
  "in-sync": ["in sync", "ok"],
  corrected: ["corrected", "ok"],
  drifted: ["drifted", "warn"],
  stopped: ["stopped", "warn"],
  invalid: ["invalid", "bad"],
  refused: ["refused", "bad"],
  failed: ["failed", "bad"],
  error: ["error", "bad"],
};
/** @type {Record<import("../statusTypes.js").DefaultPolicyState, Look>} */
const DEFAULT_STATES = {
  materialized: ["created by meshops", "ok"],
  overridden: ["overridden in the repository", "busy"],
  skipped: ["skipped", "pending"],
  off: ["not materialized", "pending"],
};
/** @type {Record<import("../statusTypes.js").DriftItem["kind"], Look>} */
const DRIFT_KINDS = {
  missing: ["missing", "warn"],
  modified: ["modified", "warn"],
  orphaned: ["orphaned", "warn"],
  unmanaged: ["unmanaged", "pending"],
};
/** @type {Record<import("../statusTypes.js").TriggerKind, string>} */
const REASONS = {
  startup: "startup",
  commit: "new commit",
  poll: "poll",
  webhook: "webhook",
  api: "Reconcile now",
  "drift-timer": "drift timer",
  retry: "retry",
  recheck: "recheck of a write without an answer",
};

/**
 * An element the page's HTML always has (index.html).
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
}

/**
 * An element with attributes (`text` sets the text, `class` the class; false/null/undefined are left out) and children.
 * @param {string} tag
 * @param {Record<string, unknown> | null} attrs
 * @param {...Child} children
 * @returns {HTMLElement}
 */
function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") element.textContent = String(value);
    else if (name === "class") element.className = String(value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of flatten(children)) element.append(child);
  return element;
}

/**
 * Children as a flat list of nodes and strings; arrays are flattened, false/null/undefined left out.
 * @param {readonly unknown[]} children
 * @returns {(Node | string)[]}
 */
function flatten(children) {
  /** @type {(Node | string)[]} */
  const out = [];
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) out.push(...flatten(child));
    else out.push(child instanceof Node ? child : String(child));
  }
  return out;
}

/**
 * Replaces an element's children; arrays are flattened, false/null/undefined left out.
 * @param {HTMLElement} element
 * @param {...Child} children
 */
function fill(element, ...children) {
  element.replaceChildren(...flatten(children));
}

/**
 * @param {string} label
 * @param {Tone} tone
 * @param {Record<string, unknown>} [attrs]
 */
function badge(label, tone, attrs = {}) {
  return h("span", { ...attrs, class: `badge badge-${tone}${attrs.class ? ` ${attrs.class}` : ""}`, text: label });
}

/**
 * @template {string} K
 * @param {Record<K, Look>} table
 * @param {K} key
 * @returns {Look}
 */
function lookup(table, key) {
  return table[key] ?? [String(key), "pending"];
}

/**
 * What drift left alone in a mesh, as the CLI's reports say it (report/common.ts leftAloneLine); "" when nothing.
 * @param {import("../statusTypes.js").LeftAloneSummary} n
 */
function leftAloneText(n) {
  const parts = [
    ...(n.generated > 0 ? [`${n.generated} generated by the control plane`] : []),
    ...(n.synced > 0 ? [`${n.synced} synced from another control plane`] : []),
  ];
  return parts.length > 0 ? `Left alone: ${parts.join(", ")}.` : "";
}

/** @param {string | null | undefined} sha */
const shortSha = (sha) => (sha ? sha.slice(0, 8) : "none");

/** @param {number} ms */
function formatDuration(ms) {
  if (!Number.isFinite(ms)) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0).replace(/\.0$/, "")} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** @param {string | null} iso */
function relative(iso) {
  const at = Date.parse(iso ?? "");
  if (!Number.isFinite(at)) return "";
  const seconds = Math.round((Date.now() - at) / 1000);
  const span = (/** @type {number} */ s) => (s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : s < 86_400 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86_400)} d`);
  if (seconds < -2) return `in ${span(-seconds)}`;
  if (seconds < 3) return "just now";
  return `${span(seconds)} ago`;
}

/**
 * A `<time>` whose text ("12 s ago") is kept current by the clock below; the exact time is in its title.
 * @param {string | null | undefined} iso
 */
function timeElement(iso) {
  if (!iso) return h("span", { class: "muted", text: "never" });
  return h("time", { datetime: iso, title: new Date(iso).toLocaleString(), "data-relative": true, text: relative(iso) });
}

function refreshTimes() {
  for (const element of document.querySelectorAll("time[data-relative]")) {
    const text = relative(element.getAttribute("datetime"));
    if (element.textContent !== text) element.textContent = text;
  }
}

/** @param {readonly FactRow[]} rows */
function facts(rows) {
  return rows.flatMap((row) => (row ? [h("dt", { text: row[0] }), h("dd", {}, ...row.slice(1))] : []));
}

// --- sections -----------------------------------------------------------------------------------------------------

/**
 * @param {StatusJson} status
 * @returns {Look}
 */
function overallState(status) {
  const states = status.meshes.map((m) => m.state);
  if (!status.ready && states.length === 0) return ["Starting", "pending"];
  if (states.includes("unknown")) return ["Control plane unreachable", "bad"];
  if (status.reconciles[0]?.result === "error") return ["Error", "bad"];
  if (states.includes("failed")) return ["Failed", "bad"];
  if (states.includes("blocked")) return ["Blocked", "bad"];
  if (status.validation && !status.validation.valid) return ["Invalid commit", "bad"];
  if (states.includes("awaiting-approval")) return ["Awaiting approval", "warn"];
  if (states.includes("drifted")) return ["Drifted", "warn"];
  if (states.includes("applying")) return ["Applying", "busy"];
  if (states.length > 0 && states.every((s) => s === "in-sync" || s === "suspended")) return ["In sync", "ok"];
  return ["Behind", "pending"];
}

/**
 * @param {StatusJson} status
 * @returns {void}
 */
function renderHeader(status) {
  const [label, tone] = overallState(status);
  const overall = byId("overall");
  overall.className = `badge badge-${tone}`;
  overall.dataset.state = tone;
  overall.textContent = label;
  document.title = `${label} · meshops status`;
}

/**
 * @param {StatusJson} status
 * @returns {void}
 */
function renderRepository(status) {
  const repo = status.repository;
  const running = status.running;
  fill(byId("repository"),
    ...facts([
      ["Repository", h("code", { text: repo.url }), " ", h("span", { class: "chip", text: repo.kind })],
      ["Branch", h("code", { text: repo.branch ?? "HEAD" }), repo.remote ? [" of ", h("code", { text: repo.remote })] : null, status.revision.head ? [" at ", h("code", { title: status.revision.head, text: shortSha(status.revision.head) })] : null],
      repo.path ? ["Path", h("code", { text: repo.path })] : null,
      [
        "Control plane",
        h("code", { text: status.controlPlane.url }),
        status.controlPlane.embedded ? [" ", h("span", { class: "chip", text: "embedded" })] : null,
        status.controlPlane.readOnly
          ? [" ", h("span", { class: "chip", text: "read-only (Kubernetes)" }), h("p", { class: "detail", text: "Nothing is written: Argo CD or Flux applies. Each commit and each drift check is compared and drift reported." })]
          : null,
        status.controlPlane.warnings.map((warning) => h("p", { class: "detail warning", text: warning })),
      ],
      [
        "Drift check",
        `every ${formatDuration(status.drift.intervalMs)}`,
        status.drift.nextCheckAt ? [", next ", timeElement(status.drift.nextCheckAt)] : null,
      ],
      status.pollIntervalMs ? ["Fetch", `every ${formatDuration(status.pollIntervalMs)}`] : null,
      [
        "Daemon",
        running ? `reconciling (run #${running.id}: ${running.reasons.map((r) => REASONS[r] ?? r).join(", ")})` : status.ready ? "idle" : "starting",
        ", started ",
        timeElement(status.startedAt),
      ],
      ["Last success", timeElement(status.lastSuccessAt)],
      status.hydration ? ["Hydration", ...hydrationFact(status.hydration)] : null,
    ]),
  );
}

/**
 * `--hydrate-branch`: the branch, what is being hydrated, and how the last hydrate went (a failure with its reason).
 * @param {HydrationStatus} hydration
 */
function hydrationFact(hydration) {
  const last = hydration.last;
  return [
    h("code", { text: hydration.branch }),
    hydration.remote ? [" on ", h("code", { text: hydration.remote })] : null,
    hydration.running ? [": hydrating ", h("code", { title: hydration.running, text: shortSha(hydration.running) })] : null,
    last
      ? h(
          "span",
          { class: "hydration", "data-ok": String(last.ok) },
          "; last ",
          h("code", { title: last.revision, text: shortSha(last.revision) }),
          " ",
          last.ok ? badge("hydrated", "ok", { class: "badge-plain" }) : badge("failed", "bad", { class: "badge-plain" }),
          " ",
          timeElement(last.at),
          h("span", { class: "hydration-message", text: `: ${last.message}` }),
        )
      : hydration.running
        ? null
        : ": nothing hydrated yet",
  ];
}

/**
 * Writes that got no answer (they may land later, over a newer write), what the checks after them found, and the
 * resources the checks still to come are for, apart from those whose write back waits for their mesh to open: the
 * status names 50 of each at most and says how many there are.
 * @param {StatusJson} status
 */
function renderWrites(status) {
  const writes = status.writes;
  byId("writes").hidden = writes.outcomeUnknown === 0 && writes.recheckingCount === 0;
  const waiting = new Set(writes.waiting);
  const checked = writes.rechecking.filter((name) => !waiting.has(name));
  const checkedCount = Math.max(0, writes.recheckingCount - writes.waitingCount);
  fill(byId("writes-body"),
    h(
      "p",
      { id: "writes-summary" },
      `${writes.outcomeUnknown} write${writes.outcomeUnknown === 1 ? "" : "s"} got no answer since the start: they may still land, over a newer write. `,
      `${writes.rewritten} written again after a check.`,
      writes.stayedUnknown > 0 ? ` ${writes.stayedUnknown} whose checks gave up (the control plane unreachable, or a write back refused): their outcome stayed unknown.` : null,
    ),
    checkedCount > 0
      ? [
          h("p", { id: "writes-rechecking", text: `Checks still to come for ${checkedCount} resource${checkedCount === 1 ? "" : "s"}:` }),
          namesList("writes-names", checked, checkedCount),
        ]
      : null,
    writes.waitingCount > 0
      ? [
          h("p", { id: "writes-waiting", text: `${writes.waitingCount} ${writes.waitingCount === 1 ? "waits for its" : "wait for their"} mesh to be resumed, unblocked or approved:` }),
          namesList("writes-waiting-names", writes.waiting, writes.waitingCount),
        ]
      : null,
  );
}

/**
 * Resource names as code, and how many more there are of `count`.
 * @param {string} id
 * @param {readonly string[]} names
 * @param {number} count
 */
function namesList(id, names, count) {
  const more = count - names.length;
  return h("ul", { id }, names.map((name) => h("li", {}, h("code", { text: name }))), more > 0 ? h("li", { text: `and ${more} more` }) : null);
}

/** @param {CommitInfo} commit */
function commitBlock(commit) {
  return [
    h("p", { class: "message", text: commit.message || "(no message)" }),
    h(
      "p",
      { class: "meta" },
      h("code", { title: commit.commit, text: shortSha(commit.commit) }),
      " by ",
      h("span", { class: "author", text: commit.author || "unknown" }),
      commit.date ? [", ", timeElement(commit.date)] : null,
    ),
  ];
}

/**
 * @param {StatusJson} status
 * @returns {void}
 */
function renderRevisions(status) {
  const { applied, attempted } = status.revision;
  fill(byId("revision-applied"),
    h("h3", { id: "revision-applied-title" }, "Last applied"),
    applied ? commitBlock(applied) : h("p", { class: "muted", text: "Nothing applied completely yet." }),
  );
  const same = attempted && applied && attempted.commit === applied.commit;
  fill(byId("revision-attempted"),
    h(
      "h3",
      { id: "revision-attempted-title" },
      "Last attempted",
      attempted
        ? attempted.valid
          ? badge("valid", "ok")
          : badge(status.meshes.some((m) => m.appliedRevision === attempted.commit) ? "invalid: applied where valid" : "invalid: not applied", "bad")
        : null,
      same ? h("span", { class: "chip", text: "same as applied" }) : null,
    ),
    attempted ? commitBlock(attempted) : h("p", { class: "muted", text: "Nothing attempted yet." }),
  );
}

/** @param {Diagnostic} d */
function diagnosticItem(d) {
  const location = d.file ? `${d.file}${d.line > 0 ? `:${d.line}${d.column > 0 ? `:${d.column}` : ""}` : ""}` : "(repository)";
  return h(
    "li",
    { class: "diagnostic", "data-severity": d.severity, "data-file": d.file, "data-line": d.line },
    h(
      "div",
      { class: "where" },
      h("span", { class: "location", text: location }),
      badge(d.severity, d.severity === "error" ? "bad" : "warn", { class: "badge-plain" }),
      d.resource ? h("code", { text: d.resource }) : null,
    ),
    h("p", { class: "message", text: d.path ? `${d.path}: ${d.message}` : d.message }),
    d.rule ? h("p", { class: "detail", text: `rule: ${d.rule}` }) : null,
  );
}

/**
 * What a unit of the status is called on the page: a mesh's name, or, for `_global` (GLOBAL_UNIT_NAME), the resources of no mesh
 * (HostnameGenerators, GlobalSecrets), which the daemon applies and gates as a unit of their own.
 * @param {string} name
 */
function unitName(name) {
  // model/key.ts GLOBAL_UNIT_LABEL, as the log, the API and notifications name it (test/ui.browser checks they agree).
  return name === "_global" ? "_global (the global resources)" : name;
}

/**
 * @param {StatusJson} status
 * @returns {void}
 */
function renderProblems(status) {
  const groups = [];
  const validation = status.validation;
  if (validation && validation.diagnostics.length > 0) {
    const errors = validation.diagnostics.filter((d) => d.severity === "error").length;
    const warnings = validation.diagnostics.length - errors;
    const applied = status.revision.applied;
    // Errors block only the meshes they are in, unless no mesh can be named for one: then nothing is applied.
    const invalid = status.meshes.filter((m) => m.state === "invalid").map((m) => unitName(m.name));
    const partly = status.meshes.some((m) => m.appliedRevision === validation.revision);
    const consequence = partly
      ? `${invalid.length === 1 ? "mesh" : "meshes"} ${invalid.join(", ")} keep${invalid.length === 1 ? "s" : ""} the last revision valid for ${invalid.length === 1 ? "it" : "them"}; the other meshes have it`
      : `nothing of it was applied${applied ? `; ${shortSha(applied.commit)} stays applied` : ""}`;
    const intro = validation.valid
      ? `Revision ${shortSha(validation.revision)} is valid, with ${warnings} warning${warnings === 1 ? "" : "s"}.`
      : `Revision ${shortSha(validation.revision)} is invalid (${errors} error${errors === 1 ? "" : "s"}${warnings ? `, ${warnings} warning${warnings === 1 ? "" : "s"}` : ""}): ${consequence}.`;
    const shown = validation.diagnostics.slice(0, MAX_DIAGNOSTICS);
    groups.push(
      h(
        "div",
        { class: "problem-group", id: "validation" },
        h("h3", { text: validation.valid ? "Validation warnings" : "Validation errors" }),
        h("p", { text: intro }),
        h("ul", { class: "diagnostics" }, shown.map(diagnosticItem)),
        validation.diagnostics.length > shown.length ? h("p", { class: "more", text: `and ${validation.diagnostics.length - shown.length} more in /api/status` }) : null,
      ),
    );
  }
  const source = status.sourceProblem;
  if (source) {
    groups.push(
      h(
        "div",
        { class: "problem-group", id: "source-problem" },
        h("h3", { text: "The branch cannot be read" }),
        h(
          "p",
          {},
          h("span", { text: source.message }),
          " (since ",
          timeElement(source.since),
          "). The daemon goes on with revision ",
          h("code", { title: source.kept, text: shortSha(source.kept) }),
          ", checks drift against what it applied, and retries the fetch on its own",
          ...(source.nextAttemptAt ? [" (", `${source.attempts} failed ${source.attempts === 1 ? "try" : "tries"}, next at `, timeElement(source.nextAttemptAt), ")"] : []),
          ".",
        ),
      ),
    );
  }
  const controlsFile = status.controlsFile;
  if (controlsFile) {
    groups.push(
      h(
        "div",
        { class: "problem-group", id: "controls-file" },
        h("h3", { text: "The controls file cannot be written" }),
        h(
          "p",
          {},
          h("span", { text: controlsFile.message }),
          " (since ",
          timeElement(controlsFile.since),
          "). It may still hold an approval the daemon let go of, and approved plans are held until their approval can be recorded as used. Every run writes it again.",
        ),
      ),
    );
  }
  const last = status.reconciles[0];
  if (last?.result === "error" && status.lastError) {
    groups.push(
      h(
        "div",
        { class: "problem-group", id: "run-error" },
        h("h3", { text: "The last run failed" }),
        h("p", {}, h("span", { text: status.lastError.message }), " (", timeElement(status.lastError.at), "). The daemon retries on its own."),
      ),
    );
  }
  byId("problems").hidden = groups.length === 0;
  byId("nav-problems").hidden = groups.length === 0;
  fill(byId("problems-body"), ...groups);
}

/**
 * @param {string} text
 * @param {string} resource
 * @param {string} key
 */
function diffElement(text, resource, key) {
  const pre = h("pre", {
    class: "diff",
    tabindex: "0",
    role: "region",
    "aria-label": `Diff of ${resource}: lines with - are on the control plane, + in the repository`,
    "data-focus-key": `diff ${key}`,
  });
  for (const line of text.replace(/\n$/, "").split("\n")) {
    let kind;
    if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("====") || line.startsWith("Index:")) kind = "diff-meta";
    else if (line.startsWith("@@")) kind = "diff-hunk";
    else if (line.startsWith("+")) kind = "diff-add";
    else if (line.startsWith("-")) kind = "diff-del";
    pre.append(h("span", { class: kind }, line === "" ? " " : line));
  }
  return pre;
}

/** Which drift items the reader opened or closed, so a refresh does not undo it (keyed by mesh and resource). */
/** @type {Map<string, boolean>} */
const detailsState = new Map();

/**
 * @param {MeshStatus} mesh
 * @param {boolean} actionsOn whether the token-protected API is on (--reconcile-token-file): without it Suspend, Resume
 * and Approve could only answer an error, so the card says how to turn them on instead.
 * @param {boolean} readOnly whether the control plane's API is read-only (Kubernetes): see readOnlyActions
 */
function meshCard(mesh, actionsOn, readOnly) {
  const [stateLabel, stateTone] = lookup(MESH_STATES, mesh.state);
  const safe = mesh.name.replace(/[^A-Za-z0-9_-]/g, "_");
  const titleId = `mesh-${safe}-title`;
  const run = mesh.lastRun;
  const result = mesh.lastResult;
  const types = Object.entries(mesh.resources.byType).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const items = mesh.drift?.items ?? [];
  const actionable = items.filter((i) => i.kind !== "unmanaged");
  const unmanaged = items.length - actionable.length;
  const shownItems = items.slice(0, MAX_DRIFT_ITEMS);
  const leftAlone = mesh.drift ? leftAloneText(mesh.drift.leftAlone) : "";

  const driftSection = [
    h("h4", {}, "Drift", mesh.drift ? h("span", { class: "h4-note" }, " · checked ", timeElement(mesh.drift.checkedAt)) : null),
    !mesh.drift
      ? h("p", { class: "muted", text: "Not compared yet." })
      : items.length === 0
        ? h("p", { class: "muted", text: "None: the control plane matches the repository." })
        : [
            actionable.length === 0 ? h("p", { class: "muted", text: `None to fix; ${unmanaged} unmanaged resource${unmanaged === 1 ? "" : "s"} (not from this repository).` }) : null,
            h(
              "ul",
              { class: "drift-list" },
              shownItems.map((item, index) => {
                const key = `${mesh.name} ${item.kind} ${item.resource}`;
                const open = detailsState.has(key) ? detailsState.get(key) : index === 0 && item.kind !== "unmanaged";
                const [kindLabel, kindTone] = lookup(DRIFT_KINDS, item.kind);
                const details = h(
                  "details",
                  { class: "drift-item", "data-resource": item.resource, "data-kind": item.kind, open },
                  h("summary", { "data-focus-key": `drift ${key}` }, badge(kindLabel, kindTone, { class: "badge-plain" }), h("span", { class: "resource", text: item.resource })),
                  diffElement(item.diff, item.resource, key),
                );
                details.addEventListener("toggle", () => detailsState.set(key, /** @type {HTMLDetailsElement} */ (details).open));
                return h("li", {}, details);
              }),
            ),
            items.length > shownItems.length ? h("p", { class: "more", text: `and ${items.length - shownItems.length} more in /api/status` }) : null,
          ],
    leftAlone ? h("p", { class: "muted", text: leftAlone }) : null,
  ];

  return h(
    "article",
    { class: "mesh", "data-mesh": mesh.name, "data-state": mesh.state, "aria-labelledby": titleId },
    h(
      "div",
      { class: "mesh-head" },
      h("h3", { id: titleId, text: unitName(mesh.name) }),
      h("span", { class: "chip", title: "what the daemon does with drift in this mesh", text: mesh.driftMode === "correct" ? "drift: correct" : "drift: report" }),
      badge(stateLabel, stateTone, { class: "mesh-state", "data-state": mesh.state }),
    ),
    h("p", { class: "mesh-reason", "data-state": mesh.state }, h("span", { text: mesh.reason }), " · since ", timeElement(mesh.since)),
    blockSection(mesh),
    prunableSection(mesh),
    approvalSection(mesh, actionsOn && !readOnly),
    !actionsOn ? actionsOffHint(mesh) : readOnly ? readOnlyActions(mesh) : meshActions(mesh),
    h(
      "dl",
      { class: "facts" },
      facts([
        [
          "Last reconcile",
          run
            ? h(
                "span",
                { class: "last-run", "data-run-id": run.id },
                `#${run.id} ${run.kind === "drift" ? "drift check" : "sync"} `,
                badge(...lookup(RESULTS, run.result), { class: "badge-plain" }),
                ` in ${formatDuration(run.durationMs)}, `,
                timeElement(run.startedAt),
              )
            : h("span", { class: "muted", text: "none yet" }),
        ],
        result
          ? [
              "Last apply",
              result.outcome === "unchanged" ? "nothing to change" : `${result.outcome}: ${result.applied} change${result.applied === 1 ? "" : "s"} written`,
              result.failed ? `, ${result.failed} failed` : "",
              result.skipped ? `, ${result.skipped} skipped` : "",
            ]
          : null,
        [
          "Revision",
          h("code", { title: mesh.appliedRevision ?? "", text: shortSha(mesh.appliedRevision) }),
          mesh.attemptedRevision && mesh.attemptedRevision !== mesh.appliedRevision ? [" (attempted ", h("code", { title: mesh.attemptedRevision, text: shortSha(mesh.attemptedRevision) }), ")"] : null,
        ],
      ]),
    ),
    h("h4", {}, `Resources · ${mesh.resources.total}`),
    types.length
      ? h(
          "ul",
          { class: "counts", "aria-label": `Resources of ${mesh.name} by type` },
          types.map(([type, n]) => h("li", { "data-type": type }, type, h("span", { class: "n", text: n }))),
        )
      : h("p", { class: "muted", text: "None yet." }),
    mesh.defaultPolicies.length
      ? [
          h("h4", { text: "Default policies" }),
          h(
            "ul",
            { class: "defaults" },
            mesh.defaultPolicies.map((p) => {
              const [label, tone] = lookup(DEFAULT_STATES, p.state);
              return h(
                "li",
                { "data-default": p.name, "data-default-state": p.state },
                h("span", { class: "name", title: p.type }, h("code", { text: p.name })),
                badge(label, tone, { class: "badge-plain" }),
              );
            }),
          ),
        ]
      : null,
    driftSection,
    mesh.lastErrors.length
      ? [
          h("h4", { text: "Recent errors" }),
          h(
            "ul",
            { class: "errors" },
            mesh.lastErrors.slice(0, MAX_MESH_ERRORS).map((e) =>
              h("li", {}, e.resource ? [h("span", { class: "resource", text: e.resource }), ": "] : null, h("span", { text: e.message }), " (", timeElement(e.at), ")"),
            ),
          ),
        ]
      : null,
  );
}

/** What the reader asked to see of the meshes: a search, a state ("" all, "problems", or one state), how many cards. */
const meshFilter = { search: "", state: "", limit: MESH_PAGE };

/**
 * @param {Pick<MeshStatus, "state" | "name">} a
 * @param {Pick<MeshStatus, "state" | "name">} b
 */
function byUrgency(a, b) {
  return STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * The meshes that pass the filter, problems first, and the first `limit` of them.
 * @param {StatusJson} status
 */
function meshView(status) {
  const search = meshFilter.search.trim().toLowerCase();
  const wanted = meshFilter.state;
  const matched = status.meshes.filter(
    (m) =>
      (wanted === "" || (wanted === "problems" ? PROBLEM_STATES.has(m.state) : m.state === wanted)) &&
      (search === "" || m.name.toLowerCase().includes(search) || m.reason.toLowerCase().includes(search)),
  );
  matched.sort(byUrgency);
  return { matched: matched.length, shown: matched.slice(0, meshFilter.limit) };
}

/**
 * The state filter's options, each with its count; a state no mesh is in is left out unless it is the one chosen.
 * @param {StatusJson} status
 */
function renderStateFilter(status) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const mesh of status.meshes) counts.set(mesh.state, (counts.get(mesh.state) ?? 0) + 1);
  const problems = status.meshes.filter((m) => PROBLEM_STATES.has(m.state)).length;
  const select = /** @type {HTMLSelectElement} */ (byId("mesh-state"));
  fill(
    select,
    h("option", { value: "", text: `All states (${status.meshes.length})` }),
    h("option", { value: "problems", text: `Problems (${problems})` }),
    STATE_ORDER.filter((s) => counts.has(s) || s === meshFilter.state).map((s) => h("option", { value: s, text: `${lookup(MESH_STATES, s)[0]} (${counts.get(s) ?? 0})` })),
  );
  select.value = meshFilter.state;
}

/**
 * The plan a mesh holds for approval: why, what it changes, and the Approve button (token-protected), which names the
 * plan shown (its fingerprint): another plan held by the time it is pressed is refused, not approved unseen.
 * @param {MeshStatus} mesh
 * @param {boolean} actionsOn whether the Approve button can act (meshCard)
 */
function approvalSection(mesh, actionsOn) {
  const approval = mesh.approval;
  if (!approval) return null;
  const s = approval.summary;
  return h(
    "div",
    { class: "approval", "data-revision": approval.revision, "data-plan": approval.plan },
    h(
      "h4",
      {},
      "Awaiting approval · ",
      h("code", { title: approval.revision, text: shortSha(approval.revision) }),
      h("span", { class: "h4-note" }, " · plan ", h("code", { title: `plan fingerprint ${approval.plan}`, text: shortSha(approval.plan) }), " · since ", timeElement(approval.since)),
    ),
    h("ul", { class: "approval-reasons" }, approval.reasons.map((reason) => h("li", { text: reason }))),
    h("p", { class: "muted", text: `${s.create} to create, ${s.update} to update, ${s.delete} to delete` }),
    h(
      "ul",
      { class: "drift-list" },
      approval.changes.map((change) => {
        const key = `${mesh.name} approval ${change.resource}`;
        return h(
          "li",
          {},
          h(
            "details",
            { class: "drift-item", "data-resource": change.resource, "data-action": change.action },
            h("summary", { "data-focus-key": key }, badge(change.action, change.action === "delete" ? "bad" : "warn", { class: "badge-plain" }), h("span", { class: "resource", text: change.resource })),
            diffElement(change.diff, change.resource, key),
          ),
        );
      }),
    ),
    approval.truncated ? h("p", { class: "more", text: `and ${approval.truncated} more` }) : null,
    !actionsOn ? null : h("button", { type: "button", class: "button-primary", "data-mesh-action": "approve", "data-target-mesh": mesh.name, "data-revision": approval.revision, "data-plan": approval.plan, text: `Approve ${shortSha(approval.revision)}` }),
  );
}

/** What blocks a mesh: the reason code (as /metrics labels it) and what lifts the block. @param {MeshStatus} mesh */
function blockSection(mesh) {
  const block = mesh.blocked;
  if (!block) return null;
  return h(
    "p",
    { class: "hint block", "data-block-reason": block.reason },
    h("code", { text: block.reason }),
    ": the control plane lacks what this mesh's plan writes. Nothing of it is written until the control plane has it (upgraded, or the Mesh created there) or a commit no longer writes it.",
  );
}

/** Resources a card names of those prune would delete; the rest counted (/api/status names 50). */
const PRUNABLE_NAMED = 5;

/**
 * With prune off, what prune on would delete in this mesh (Argo CD's "requires pruning"), as `meshops plan` says it.
 * @param {MeshStatus} mesh
 */
function prunableSection(mesh) {
  const { count, resources } = mesh.prunable;
  if (count === 0) return null;
  const named = resources.slice(0, PRUNABLE_NAMED);
  const more = count - named.length;
  const one = count === 1;
  return h(
    "p",
    { class: "hint prunable", "data-prunable-count": count },
    `${one ? "1 resource meshops owns is" : `${count} resources meshops owns are`} no longer in the repository: `,
    ...named.flatMap((resource, i) => [i > 0 ? ", " : "", h("code", { class: "resource", text: resource })]),
    more > 0 ? ` and ${more} more` : "",
    "; ",
    h("code", { text: "prune.enabled" }),
    ` in meshops.yaml deletes ${one ? "it" : "them"}.`,
  );
}

/**
 * Suspend or resume (token-protected; a mesh suspended by meshops.yaml is resumed there).
 * @param {MeshStatus} mesh
 */
function meshActions(mesh) {
  if (mesh.suspended?.by === "config") return h("p", { class: "hint", text: "Suspended by meshops.yaml: remove it from suspend: to resume." });
  const action = mesh.suspended ? "resume" : "suspend";
  return h("p", { class: "mesh-actions" }, h("button", { type: "button", class: "button-secondary", "data-mesh-action": action, "data-target-mesh": mesh.name, text: mesh.suspended ? "Resume" : "Suspend" }));
}

/**
 * In place of meshActions on a read-only control plane (Kubernetes: Argo CD or Flux writes). Suspend stops writes and
 * drift corrections, neither of which happens there, and drift checks go on for a suspended mesh anyway; nothing is
 * ever held for approval there. So neither is offered. Resume is, for a mesh suspended through the API: that
 * suspension would still hold the mesh were the API writable again, and lifting it is what the person asks.
 * @param {MeshStatus} mesh
 */
function readOnlyActions(mesh) {
  if (mesh.suspended) return meshActions(mesh);
  return h("p", { class: "hint mesh-actions-read-only", text: "Suspend and Approve have no effect here: the control plane's API is read-only (Kubernetes), nothing is written; Argo CD or Flux applies." });
}

/**
 * In place of meshActions while the API's actions are off; a mesh suspended by meshops.yaml says where it is resumed.
 * @param {MeshStatus} mesh
 */
function actionsOffHint(mesh) {
  if (mesh.suspended?.by === "config") return meshActions(mesh);
  return h("p", { class: "hint mesh-actions-off" }, "Suspend, Resume and Approve are off: start ", h("code", { text: "meshops watch" }), " with ", h("code", { text: "--reconcile-token-file" }), " to use them.");
}

/**
 * POST /api/meshes/{mesh}/{action} with the reconcile token; the answer goes where "Reconcile now" answers.
 * @param {HTMLElement} button
 */
async function meshAction(button) {
  const mesh = button.dataset.targetMesh ?? "";
  const action = button.dataset.meshAction ?? "";
  const token = tokenInput().value.trim() || storedToken();
  if (!token) {
    setReconcileResult(`Enter the reconcile token above to ${action} mesh ${mesh}.`, "error");
    tokenInput().focus();
    return;
  }
  button.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(`/api/meshes/${encodeURIComponent(mesh)}/${action}`, {
      method: "POST",
      cache: "no-store",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(action === "approve" ? { revision: button.dataset.revision, plan: button.dataset.plan } : {}),
    });
    /** @type {{ message?: string; error?: string }} */
    const body = await response.json().catch(() => ({}));
    setReconcileResult(body.message ?? body.error ?? `The daemon answered ${response.status}.`, response.ok ? "ok" : "error");
  } catch {
    setReconcileResult("The daemon could not be reached.", "error");
  } finally {
    button.removeAttribute("aria-busy");
  }
}

/**
 * @param {StatusJson} status
 * @param {ReturnType<typeof meshView>} view
 * @returns {void}
 */
function renderMeshes(status, view) {
  const container = byId("meshes");
  const more = byId("mesh-more");
  const count = byId("mesh-count");
  const left = view.matched - view.shown.length;
  more.hidden = left <= 0;
  more.textContent = `Show ${Math.min(left, MESH_PAGE)} more`;
  count.textContent =
    status.meshes.length === 0 ? "" : view.matched === status.meshes.length && left <= 0 ? `${view.matched} meshes` : `Showing ${view.shown.length} of ${view.matched} matching, ${status.meshes.length} in all`;
  if (status.meshes.length > 0 && view.matched === 0) {
    fill(container, h("p", { class: "muted", text: "No mesh matches the search and the state filter." }));
    return;
  }
  if (status.meshes.length === 0) {
    const text = !status.ready
      ? "Waiting for the first reconcile."
      : status.validation && !status.validation.valid && !status.revision.applied
        ? "No valid revision since the daemon started, so nothing was applied: see the problems above."
        : "No meshes in the repository.";
    fill(container, h("p", { class: "muted", text }));
    return;
  }
  const actionsOn = Boolean(status.endpoints?.reconcile);
  fill(container, ...view.shown.map((mesh) => meshCard(mesh, actionsOn, status.controlPlane.readOnly === true)));
}

/** @param {RunResult} result */
function runTone(result) {
  return lookup(RESULTS, result)[1];
}

/** @param {ReconcileRecord} run */
function routine(run) {
  return run.kind === "drift" && run.reasons.length === 1 && run.reasons[0] === "drift-timer";
}

/**
 * @param {StatusJson} status
 * @returns {void}
 */
function renderTimeline(status) {
  const list = byId("timeline");
  if (status.reconciles.length === 0) {
    fill(list, h("li", { class: "empty" }, h("p", { class: "muted", text: "No reconcile yet." })));
    return;
  }
  // Timer-driven drift checks with the same result in a row are one entry: "×5".
  /** @type {{ run: ReconcileRecord; count: number }[]} */
  const entries = [];
  for (const run of status.reconciles) {
    const previous = entries.at(-1);
    if (previous && routine(run) && routine(previous.run) && previous.run.result === run.result && !run.error) previous.count++;
    else entries.push({ run, count: 1 });
  }
  fill(list,
    ...entries.map(({ run, count }) => {
      const [label] = lookup(RESULTS, run.result);
      const s = run.summary;
      const counts = [
        s.applied ? `${s.applied} written` : "",
        s.failed ? `${s.failed} failed` : "",
        s.skipped ? `${s.skipped} skipped` : "",
        s.drift ? `${s.drift} drifted` : "",
      ].filter(Boolean);
      return h(
        "li",
        { "data-run-id": run.id, "data-kind": run.kind, "data-result": run.result, "data-reasons": run.reasons.join(" "), "data-tone": runTone(run.result) },
        h("div", { class: "when" }, timeElement(run.startedAt)),
        h(
          "div",
          { class: "what" },
          h("strong", { text: `${run.kind === "drift" ? "Drift check" : "Sync"} #${run.id}` }),
          badge(label, runTone(run.result), { class: "badge-plain" }),
          h("span", { class: "muted", text: `${run.reasons.map((r) => REASONS[r] ?? r).join(", ")} · ${formatDuration(run.durationMs)}` }),
          count > 1 ? h("span", { class: "chip", title: `${count - 1} earlier checks with the same result`, text: `×${count}` }) : null,
        ),
        run.revision
          ? h(
              "p",
              { class: "detail" },
              h("code", { title: run.revision, text: shortSha(run.revision) }),
              run.commit ? ` ${run.commit.message} (${run.commit.author})` : "",
              counts.length ? ` · ${counts.join(", ")}` : "",
            )
          : null,
        run.error ? h("p", { class: "detail error", text: run.error }) : null,
        (run.warnings ?? []).map((warning) => h("p", { class: "detail warning", text: warning })),
      );
    }),
  );
}

/**
 * @param {StatusJson} status
 * @returns {void}
 */
function renderReconcileForm(status) {
  const on = Boolean(status.endpoints?.reconcile);
  byId("reconcile-form").hidden = !on;
  byId("reconcile-off").hidden = on;
}

// --- updates ----------------------------------------------------------------------------------------------------

/** The last rendered input of each section: a section whose input did not change is left alone (focus, scroll). */
/** @type {Map<string, string>} */
const rendered = new Map();
/** The status rendered last. @type {StatusJson | null} */
let previous = null;

/**
 * Renders a section again when its input changed.
 * @param {string} name
 * @param {unknown} input
 * @param {() => void} render
 */
function section(name, input, render) {
  const key = JSON.stringify(input);
  if (rendered.get(name) === key) return;
  rendered.set(name, key);
  // Keep the keyboard focus on the same item, and each diff scrolled where it was, when a section is rebuilt.
  const focusKey = document.activeElement?.closest?.("[data-focus-key]")?.getAttribute("data-focus-key");
  const scrolled = new Map();
  for (const element of document.querySelectorAll("pre[data-focus-key]")) {
    if (element.scrollTop || element.scrollLeft) scrolled.set(element.getAttribute("data-focus-key"), [element.scrollTop, element.scrollLeft]);
  }
  render();
  const byKey = new Map([...document.querySelectorAll("[data-focus-key]")].map((e) => [e.getAttribute("data-focus-key"), /** @type {HTMLElement} */ (e)]));
  for (const [key, [top, left]] of scrolled) {
    const element = byKey.get(key);
    if (element) {
      element.scrollTop = top;
      element.scrollLeft = left;
    }
  }
  const again = focusKey ? byKey.get(focusKey) : undefined;
  if (again && again !== document.activeElement) again.focus({ preventScroll: true });
}

/**
 * Where a removed mesh stands, as Argo CD shows an application being pruned: suspended (nothing deleted until resumed),
 * kept (prune off, or a read-only control plane), pruning (its card still there: deletes to come, or awaiting
 * approval), pruned (its card gone).
 * @param {RemovedMesh} removed
 * @param {StatusJson} status
 * @returns {Look}
 */
function removedLook(removed, status) {
  if (removed.suspended) return ["suspended: kept until resumed", "warn"];
  if (status.controlPlane.readOnly) return ["read-only: kept", "pending"];
  if (!removed.prune) return ["kept: prune off", "pending"];
  const card = status.meshes.find((m) => m.name === removed.mesh);
  if (!card) return ["pruned", "ok"];
  return card.state === "awaiting-approval" ? ["pruning: awaiting approval", "warn"] : ["pruning", "warn"];
}

/** @param {StatusJson} status */
function renderRemoved(status) {
  byId("removed-section").hidden = status.removedMeshes.length === 0;
  fill(
    byId("removed"),
    status.removedMeshes.map((removed) => {
      const [label, tone] = removedLook(removed, status);
      return h(
        "li",
        { "data-removed-mesh": removed.mesh },
        h("p", {}, h("strong", { class: "mesh-name", text: unitName(removed.mesh) }), " ", badge(label, tone, { class: "removed-state" })),
        h("p", { class: "removed-fate", text: removed.fate }),
        h("p", { class: "meta" }, "no resource left at ", h("code", { title: removed.revision, text: shortSha(removed.revision) }), ", ", timeElement(removed.at)),
      );
    }),
  );
}

/** @param {StatusJson} status */
function render(status) {
  section("header", [status.meshes.map((m) => m.state), status.validation?.valid, status.ready, status.reconciles[0]?.result], () => renderHeader(status));
  section("repository", [status.repository, status.revision.head, status.controlPlane, status.drift.intervalMs, status.drift.nextCheckAt, status.running, status.ready, status.lastSuccessAt, status.pollIntervalMs], () =>
    renderRepository(status),
  );
  section("revisions", status.revision, () => renderRevisions(status));
  section("writes", status.writes, () => renderWrites(status));
  section("reconcile", status.endpoints, () => renderReconcileForm(status));
  section("problems", [status.validation, status.reconciles[0]?.result, status.lastError, status.sourceProblem, status.controlsFile], () => renderProblems(status));
  section("state-filter", [status.meshes.map((m) => m.state), meshFilter.state], () => renderStateFilter(status));
  const view = meshView(status);
  section("meshes", [status.ready, status.meshes.length, meshFilter, view.matched, view.shown, status.endpoints?.reconcile], () => renderMeshes(status, view));
  section("removed", [status.removedMeshes, status.controlPlane.readOnly, status.removedMeshes.map((r) => status.meshes.find((m) => m.name === r.mesh)?.state ?? null)], () => renderRemoved(status));
  section("timeline", status.reconciles, () => renderTimeline(status));
  const updated = byId("updated");
  fill(updated, "updated ", timeElement(new Date().toISOString()));
  announce(status);
  previous = status;
  current = status;
}

/** The status as last received (deltas are merged into it). @type {StatusJson | null} */
let current = null;

/**
 * Merges a `delta` event into the status last received: the meshes in it replace theirs, `removed` ones go.
 * @param {string} text the delta's JSON
 */
function receiveDelta(text) {
  if (!current) return;
  /** @type {StatusDelta} */
  let delta;
  try {
    delta = JSON.parse(text);
  } catch {
    return;
  }
  if (!delta || !Array.isArray(delta.meshes) || !Array.isArray(delta.removed)) return;
  const byName = new Map(current.meshes.map((m) => [m.name, m]));
  for (const name of delta.removed) byName.delete(name);
  for (const mesh of delta.meshes) byName.set(mesh.name, mesh);
  const { meshes: _changed, removed: _removed, ...rest } = delta;
  render({ ...rest, meshes: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) });
}

/** Draws the meshes again after the reader changed the filter, and keeps it in the address (a link shows the same). */
function refilter() {
  const params = new URLSearchParams(location.search);
  for (const [name, value] of [["q", meshFilter.search.trim()], ["state", meshFilter.state]]) {
    if (value) params.set(name, value);
    else params.delete(name);
  }
  const query = params.toString();
  history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
  if (current) render(current);
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let announcerTimer;
/**
 * Tells screen readers what changed, briefly: mesh states, a refused commit, the end of a requested reconcile.
 * @param {StatusJson} status
 * @returns {void}
 */
function announce(status) {
  /** @type {string[]} */
  const messages = [];
  if (previous) {
    const before = new Map(previous.meshes.map((m) => [m.name, m.state]));
    for (const mesh of status.meshes) {
      const was = before.get(mesh.name);
      if (was && was !== mesh.state && mesh.state !== "applying") messages.push(`Mesh ${mesh.name} is ${lookup(MESH_STATES, mesh.state)[0].toLowerCase()}.`);
    }
    const validation = status.validation;
    if (validation && !validation.valid && validation.revision !== previous.validation?.revision) {
      const errors = validation.diagnostics.filter((d) => d.severity === "error").length;
      messages.push(`Revision ${shortSha(validation.revision)} is invalid: ${errors} error${errors === 1 ? "" : "s"}.`);
    }
  }
  const awaiting = awaitingRun;
  if (awaiting !== null) {
    const run = status.reconciles.find((r) => r.id > awaiting && r.reasons.includes("api"));
    if (run) {
      awaitingRun = null;
      const text = `Reconcile #${run.id} finished: ${lookup(RESULTS, run.result)[0]}.`;
      setReconcileResult(text, runTone(run.result) === "bad" ? "error" : "ok");
    }
  }
  if (messages.length === 0) return;
  const announcer = byId("announcer");
  announcer.textContent = "";
  clearTimeout(announcerTimer);
  announcerTimer = setTimeout(() => (announcer.textContent = messages.join(" ")), 100);
}

/** @param {string} text the status JSON */
function receive(text) {
  /** @type {StatusJson} */
  let status;
  try {
    status = JSON.parse(text);
  } catch {
    return;
  }
  if (!status || !Array.isArray(status.meshes)) return;
  render(status);
}

// --- connection: server-sent events, polling while they are unavailable ------------------------------------------

/** @type {EventSource | null} */
let events = null;
/** @type {ReturnType<typeof setInterval> | null} */
let pollTimer = null;

/** @param {"connecting" | "live" | "polling" | "offline"} state */
function setConnection(state) {
  const element = byId("connection");
  if (element.dataset.connection === state) return;
  element.dataset.connection = state;
  const texts = { connecting: "Connecting", live: "Live", polling: `Updating every ${POLL_MS / 1000} s`, offline: "Daemon unreachable" };
  const text = element.querySelector(".connection-text");
  if (text) text.textContent = texts[state];
}

function connect() {
  if (typeof EventSource !== "function") {
    startPolling();
    return;
  }
  const stream = new EventSource("/api/events");
  events = stream;
  stream.addEventListener("status", (event) => {
    stopPolling();
    setConnection("live");
    receive(event.data);
  });
  stream.addEventListener("delta", (event) => {
    stopPolling();
    setConnection("live");
    receiveDelta(event.data);
  });
  stream.addEventListener("error", () => {
    // The browser reconnects by itself while the state is CONNECTING; poll meanwhile. CLOSED means it gave up.
    if (stream.readyState === EventSource.CLOSED) {
      stream.close();
      events = null;
      setTimeout(connect, RECONNECT_MS);
    }
    startPolling();
  });
}

function startPolling() {
  if (pollTimer !== null) return;
  pollTimer = setInterval(poll, POLL_MS);
  void poll();
}

function stopPolling() {
  if (pollTimer === null) return;
  clearInterval(pollTimer);
  pollTimer = null;
}

async function poll() {
  try {
    const response = await fetch("/api/status", { cache: "no-store", headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`status ${response.status}`);
    receive(await response.text());
    // 1: EventSource.OPEN (the constant is not there when EventSource is not).
    setConnection(events !== null && events.readyState === 1 ? "live" : "polling");
  } catch {
    setConnection("offline");
  }
}

// --- Reconcile now ----------------------------------------------------------------------------------------------

/** After a 202: the newest run id then; the first later run asked for through the API is the answer. @type {number | null} */
let awaitingRun = null;
let requesting = false;

/**
 * @param {string} text
 * @param {"ok" | "error"} [kind]
 */
function setReconcileResult(text, kind) {
  const result = byId("reconcile-result");
  result.textContent = text;
  if (kind) result.dataset.kind = kind;
  else delete result.dataset.kind;
}

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

/** @param {string} token */
function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token stays in the field only.
  }
}

/** @param {SubmitEvent} event */
async function requestReconcile(event) {
  event.preventDefault();
  if (requesting) return;
  const input = tokenInput();
  const button = byId("reconcile-button");
  const token = input.value.trim();
  if (!token) {
    setReconcileResult("Enter the reconcile token first.", "error");
    input.focus();
    return;
  }
  storeToken(token);
  requesting = true;
  button.setAttribute("aria-disabled", "true");
  button.setAttribute("aria-busy", "true");
  setReconcileResult("Asking the daemon…");
  const newest = previous?.reconciles[0]?.id ?? 0;
  try {
    const response = await fetch("/api/reconcile", { method: "POST", cache: "no-store", headers: { authorization: `Bearer ${token}` } });
    if (response.status === 202) {
      awaitingRun = newest;
      setReconcileResult("Reconcile queued; it shows in the timeline when it finishes.", "ok");
    } else if (response.status === 401) {
      storeToken("");
      setReconcileResult("The daemon refused this token: check the file given to --reconcile-token-file.", "error");
      input.focus();
      input.select();
    } else if (response.status === 404) {
      setReconcileResult("Reconcile now is off on this daemon.", "error");
    } else {
      setReconcileResult(`The daemon answered ${response.status}.`, "error");
    }
  } catch {
    setReconcileResult("The daemon could not be reached.", "error");
  } finally {
    requesting = false;
    button.removeAttribute("aria-disabled");
    button.removeAttribute("aria-busy");
  }
}

/** The token field (an `<input>` in index.html). */
function tokenInput() {
  return /** @type {HTMLInputElement} */ (byId("reconcile-token"));
}

function start() {
  const input = tokenInput();
  input.value = storedToken();
  byId("reconcile-form").addEventListener("submit", (event) => void requestReconcile(event));
  byId("meshes").addEventListener("click", (event) => {
    const button = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest?.("[data-mesh-action]"));
    if (button) void meshAction(button);
  });
  byId("reconcile-forget").addEventListener("click", () => {
    storeToken("");
    input.value = "";
    setReconcileResult("Token forgotten.");
    input.focus();
  });
  byId("mesh-tools").addEventListener("submit", (event) => event.preventDefault());
  const search = /** @type {HTMLInputElement} */ (byId("mesh-search"));
  // A link to the page may carry a filter: `/?state=problems`, `/?q=shop`.
  const linked = new URLSearchParams(location.search);
  meshFilter.search = search.value = linked.get("q") ?? "";
  meshFilter.state = linked.get("state") ?? "";
  search.addEventListener("input", () => {
    meshFilter.search = search.value;
    meshFilter.limit = MESH_PAGE;
    refilter();
  });
  const state = /** @type {HTMLSelectElement} */ (byId("mesh-state"));
  state.addEventListener("change", () => {
    meshFilter.state = state.value;
    meshFilter.limit = MESH_PAGE;
    refilter();
  });
  byId("mesh-more").addEventListener("click", () => {
    meshFilter.limit += MESH_PAGE;
    refilter();
  });
  setInterval(refreshTimes, 5000);
  connect();
}

start();
