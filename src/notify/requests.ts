/**
 * A Notification as each API wants it, as plain request descriptions (pure; sender.ts sends them):
 * - GitHub: `POST {api}/repos/{owner}/{repo}/statuses/{sha}` with `state` (success, failure, pending), `context`,
 *   `description`, `target_url` (REST API "Create a commit status", API version 2022-11-28);
 * - GitLab: `POST {api}/projects/{id}/statuses/{sha}` with `state` (success, failed, pending), `name`, `ref`,
 *   `description`, `target_url` (REST API "Commit status", the project's id or its URL-encoded path);
 * - a webhook: `POST {url}` with JSON whose `text` is what Slack (and compatible chats) show.
 * Tokens are not here: the sender adds the header each API reads, from a file, at the moment it sends.
 */
import type { Notification } from "./notification.js";

export interface OutboundRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type Sink =
  | { readonly kind: "github"; readonly apiUrl: string; readonly repository: string; readonly context: string; readonly targetUrl?: string }
  | { readonly kind: "gitlab"; readonly apiUrl: string; readonly project: string; readonly context: string; readonly ref?: string; readonly targetUrl?: string }
  | { readonly kind: "webhook"; readonly url: string };

export const DEFAULT_GITHUB_API = "https://api.github.com";
export const DEFAULT_GITLAB_API = "https://gitlab.com/api/v4";

const JSON_HEADERS = { "content-type": "application/json", "user-agent": "meshops" };

/** The request for `sink`, or undefined when the notification says nothing that sink shows (drift has no commit status). */
export function requestFor(sink: Sink, n: Notification): OutboundRequest | undefined {
  switch (sink.kind) {
    case "github": {
      if (!n.commitState || !n.revision) return undefined;
      return {
        url: `${trimSlash(sink.apiUrl)}/repos/${sink.repository.split("/").map(encodeURIComponent).join("/")}/statuses/${n.revision}`,
        headers: { ...JSON_HEADERS, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
        body: JSON.stringify({ state: n.commitState, context: sink.context, description: n.description, ...(sink.targetUrl ? { target_url: sink.targetUrl } : {}) }),
      };
    }
    case "gitlab": {
      if (!n.commitState || !n.revision) return undefined;
      return {
        url: `${trimSlash(sink.apiUrl)}/projects/${encodeURIComponent(sink.project)}/statuses/${n.revision}`,
        headers: { ...JSON_HEADERS, accept: "application/json" },
        body: JSON.stringify({
          state: n.commitState === "failure" ? "failed" : n.commitState,
          name: sink.context,
          description: n.description,
          ...(sink.ref ? { ref: sink.ref } : {}),
          ...(sink.targetUrl ? { target_url: sink.targetUrl } : {}),
        }),
      };
    }
    case "webhook":
      return {
        url: sink.url,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          text: n.text,
          revision: n.revision,
          commit: n.commit,
          ...(n.commitState ? { state: n.commitState } : {}),
          description: n.description,
          notices: n.notices,
        }),
      };
  }
}

/** What to call a sink in a log line: never a token, never a webhook's path (Slack's holds its secret). */
export function sinkName(sink: Sink): string {
  switch (sink.kind) {
    case "github":
      return `github ${sink.repository}`;
    case "gitlab":
      return `gitlab ${sink.project}`;
    case "webhook":
      try {
        return `webhook ${new URL(sink.url).origin}`;
      } catch {
        return "webhook";
      }
  }
}

/**
 * GitLab answers 400 "Cannot transition status via :run from :running" (and the like) when the commit already has
 * this state under this name: for a notification that is done, not failed.
 */
export function alreadyInState(sink: Sink, status: number, body: string): boolean {
  return sink.kind === "gitlab" && status === 400 && /cannot transition status/i.test(body);
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
