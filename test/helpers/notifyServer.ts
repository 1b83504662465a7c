/**
 * One local HTTP server standing in for GitHub's and GitLab's commit status APIs and a chat webhook. Each request is
 * checked against the shape the API documents; a request that does not match is answered as the real API would
 * (401, 404, 422/400) and its problem recorded, so a test asserts both what arrived and that nothing was malformed.
 *
 * - GitHub "Create a commit status": POST /repos/{owner}/{repo}/statuses/{sha}; Accept application/vnd.github+json,
 *   X-GitHub-Api-Version 2022-11-28, Authorization Bearer; body state (error, failure, pending, success) required,
 *   target_url, description, context optional strings.
 * - GitLab "Set the pipeline status of a commit": POST /api/v4/projects/{id}/statuses/{sha}; PRIVATE-TOKEN; body state
 *   (pending, running, success, failed, canceled, skipped) required, ref, name, target_url, description optional.
 * - Slack incoming webhook: POST with JSON whose `text` is a non-empty string.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  readonly api: "github" | "gitlab" | "webhook";
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export interface NotifyServer {
  readonly url: string;
  /** Requests that matched their API's shape. */
  readonly received: Received[];
  /** What was wrong with the others. */
  readonly problems: string[];
  /** Answers the next `count` webhook requests with `status` (a flaky chat). */
  failWebhook(count: number, status: number): void;
  /** Answers GitLab with 400 "Cannot transition status" from now on (the commit already has that state). */
  gitlabAlreadySet(on: boolean): void;
  close(): Promise<void>;
}

const SHA = /^[0-9a-f]{40}$/;
const GITHUB_STATES = new Set(["error", "failure", "pending", "success"]);
const GITLAB_STATES = new Set(["pending", "running", "success", "failed", "canceled", "skipped"]);

export async function startNotifyServer(tokens: { github: string; gitlab: string }): Promise<NotifyServer> {
  const received: Received[] = [];
  const problems: string[] = [];
  let webhookFailures: { count: number; status: number } = { count: 0, status: 0 };
  let gitlabSet = false;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      const refuse = (status: number, problem: string) => {
        problems.push(`${req.method} ${path}: ${problem}`);
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ message: problem }));
      };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        refuse(400, "the body is not JSON");
        return;
      }
      if (req.method !== "POST") return refuse(404, "not POST");
      if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) return refuse(415, "content-type is not application/json");

      const github = /^\/repos\/([\w.-]+)\/([\w.-]+)\/statuses\/([^/]+)$/.exec(path);
      if (github) {
        if (req.headers.authorization !== `Bearer ${tokens.github}`) return refuse(401, "Bad credentials");
        if (req.headers.accept !== "application/vnd.github+json") return refuse(415, `accept ${req.headers.accept}`);
        if (req.headers["x-github-api-version"] !== "2022-11-28") return refuse(400, "x-github-api-version");
        if (!SHA.test(github[3] ?? "")) return refuse(422, "sha is not a commit");
        if (!GITHUB_STATES.has(String(body.state))) return refuse(422, `state ${String(body.state)}`);
        for (const key of Object.keys(body)) if (!["state", "target_url", "description", "context"].includes(key)) return refuse(422, `unknown field ${key}`);
        for (const key of ["target_url", "description", "context"]) if (key in body && typeof body[key] !== "string") return refuse(422, `${key} is not a string`);
        if (typeof body.description === "string" && body.description.length > 140) return refuse(422, "description is longer than 140 characters");
        received.push({ api: "github", path, headers: req.headers, body });
        res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id: received.length, state: body.state, context: body.context ?? "default" }));
        return;
      }
      const gitlab = /^\/api\/v4\/projects\/([^/]+)\/statuses\/([^/]+)$/.exec(path);
      if (gitlab) {
        if (req.headers["private-token"] !== tokens.gitlab) return refuse(401, "401 Unauthorized");
        if (!SHA.test(gitlab[2] ?? "")) return refuse(404, "404 Commit Not Found");
        if (!GITLAB_STATES.has(String(body.state))) return refuse(400, "state does not have a valid value");
        for (const key of Object.keys(body)) if (!["state", "ref", "name", "context", "target_url", "description", "coverage", "pipeline_id"].includes(key)) return refuse(400, `unknown field ${key}`);
        if (gitlabSet) {
          res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ message: `Cannot transition status via :${String(body.state)} from :${String(body.state)}` }));
          received.push({ api: "gitlab", path, headers: req.headers, body });
          return;
        }
        received.push({ api: "gitlab", path, headers: req.headers, body });
        res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ id: received.length, status: body.state, name: body.name ?? "default" }));
        return;
      }
      if (path.startsWith("/hooks/")) {
        if (webhookFailures.count > 0) {
          webhookFailures = { ...webhookFailures, count: webhookFailures.count - 1 };
          res.writeHead(webhookFailures.status).end("try later");
          return;
        }
        if (typeof body.text !== "string" || body.text === "") return refuse(400, "no_text");
        received.push({ api: "webhook", path, headers: req.headers, body });
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        return;
      }
      refuse(404, "no such API");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    problems,
    failWebhook: (count, status) => (webhookFailures = { count, status }),
    gitlabAlreadySet: (on) => (gitlabSet = on),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
