/**
 * The per-mesh actions of the status server, protected by the same bearer token as "Reconcile now"
 * (--reconcile-token-file; off without it):
 *
 *   POST /api/meshes/{mesh}/approve   body {"revision": "<sha>"}: apply the plan held for that revision now (409 if the
 *                                     mesh is not held, or held at another revision: a newer commit superseded it); that
 *                                     plan only: the approval binds to its fingerprint. With {"revision", "plan": "<fingerprint>"}
 *                                     (the status's `approval.plan`), 409 too if the plan held is another one. Kept in
 *                                     --controls-file until applied, dropped (the plan changed) or superseded
 *   POST /api/meshes/{mesh}/suspend   neither apply nor correct the mesh until resumed (drift is still reported)
 *   POST /api/meshes/{mesh}/resume
 *   (the global resources, a unit of their own: {mesh} = _global)
 *
 * Each accepted action queues a reconcile, which applies it. Pure apart from the controls it changes.
 */
import type { MeshControls } from "./controls.js";
import type { Trigger } from "./queue.js";
import { bearerMatches } from "./webhook.js";
import { GLOBAL_UNIT_NAME, describeUnit, unitOfName } from "../model/key.js";

export const MESH_API_PREFIX = "/api/meshes/";
/** Bodies are a revision and a plan fingerprint at most. */
export const MESH_API_MAX_BODY = 4 * 1024;

export interface MeshApiRequest {
  readonly method: string | undefined;
  readonly path: string;
  readonly authorization: string | undefined;
  /** Undefined when longer than MESH_API_MAX_BODY. */
  readonly body: Buffer | undefined;
}

export interface MeshApiContext {
  readonly token: string | undefined;
  readonly controls: MeshControls;
  /** Whether the status knows the mesh. */
  readonly knownMesh: (mesh: string) => boolean;
}

export interface MeshApiAnswer {
  readonly status: number;
  readonly body: { readonly ok: true; readonly message: string } | { readonly error: string };
  readonly trigger?: Trigger;
  readonly headers?: Readonly<Record<string, string>>;
}

const ACTIONS = ["approve", "suspend", "resume"] as const;
type Action = (typeof ACTIONS)[number];
const MESH_NAME = /^[0-9a-z-_.]+$/;


const fail = (status: number, error: string, headers?: Record<string, string>): MeshApiAnswer => ({ status, body: { error }, ...(headers ? { headers } : {}) });

export function answerMeshRequest(request: MeshApiRequest, context: MeshApiContext): MeshApiAnswer {
  const [encoded, action, ...rest] = request.path.slice(MESH_API_PREFIX.length).split("/");
  let mesh = "";
  try {
    mesh = unitOfName(decodeURIComponent(encoded ?? ""));
  } catch {
    // Not a mesh name: answered below.
  }
  if (rest.length > 0 || !ACTIONS.includes(action as Action) || !(MESH_NAME.test(mesh) || encoded === GLOBAL_UNIT_NAME)) {
    return fail(404, `no route for ${request.method} ${request.path}: POST ${MESH_API_PREFIX}{mesh}/approve, suspend or resume`);
  }
  if (request.method !== "POST") return fail(405, `${request.method} is not allowed on ${request.path}`, { allow: "POST" });
  if (context.token === undefined) return fail(404, `POST ${request.path} is off: start meshops watch with --reconcile-token-file`);
  if (!bearerMatches(request.authorization, context.token)) return fail(401, "missing or wrong bearer token", { "www-authenticate": 'Bearer realm="meshops"' });
  if (!request.body) return fail(413, `the body is larger than ${MESH_API_MAX_BODY} bytes`);
  if (!context.knownMesh(mesh)) return fail(404, `no mesh ${mesh}`);

  const { controls } = context;
  let answer;
  switch (action as Action) {
    case "approve": {
      const approval = approvalOf(request.body);
      if (approval === undefined) return fail(400, 'the body must be JSON with the revision approved, and optionally the plan shown: {"revision": "<commit>", "plan": "<fingerprint>"}');
      answer = controls.approve(mesh, approval.revision, approval.plan);
      break;
    }
    case "suspend":
      answer = controls.suspend(mesh);
      break;
    case "resume":
      answer = controls.resume(mesh);
      break;
  }
  if (!answer.ok) return fail(answer.status, answer.error);
  return { status: 202, body: { ok: true, message: answer.message }, trigger: { kind: "api", detail: `${action} ${describeUnit(mesh)}` } };
}

/** The approval's body: a revision, and the plan's fingerprint when given; undefined when either is malformed. */
function approvalOf(body: Buffer): { revision: string; plan?: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { revision, plan } = value as { revision?: unknown; plan?: unknown };
  if (typeof revision !== "string" || !/^[0-9a-f]{4,64}$/i.test(revision)) return undefined;
  if (plan === undefined) return { revision };
  return typeof plan === "string" && /^[0-9a-f]{1,64}$/i.test(plan) ? { revision, plan } : undefined;
}
