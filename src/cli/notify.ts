/**
 * `watch`'s notification flags: commit statuses on GitHub and GitLab (token from a file, read again when it changes)
 * and JSON webhooks. Turns them into sinks (notify/requests.ts) and the sender that delivers to them.
 */
import { Option, type Command } from "commander";
import type { TokenFile } from "../backend/tokenFile.js";
import type { Logger } from "../daemon/logger.js";
import { DEFAULT_GITHUB_API, DEFAULT_GITLAB_API, type Sink } from "../notify/requests.js";
import { NotificationSender } from "../notify/sender.js";
import { UsageError, type CliIo } from "./io.js";
import { openSecretFile } from "./secretFile.js";

export interface NotificationOptions {
  notifyWebhook?: string[];
  notifyGithub?: string;
  githubTokenFile?: string;
  githubApiUrl: string;
  notifyGitlab?: string;
  gitlabTokenFile?: string;
  gitlabApiUrl: string;
  statusContext: string;
  publicUrl?: string;
}

export function addNotificationOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--notify-webhook <url>", "POST a JSON message (Slack-compatible `text`) on every state change; repeatable (or set MESHOPS_NOTIFY_WEBHOOK)")
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .option("--notify-github <owner/repo>", "set a commit status on GitHub for each revision applied, invalid, failed or awaiting approval")
    .option("--github-token-file <file>", "file holding the GitHub token for --notify-github (read again when it changes)")
    .addOption(new Option("--github-api-url <url>", "GitHub's API (GitHub Enterprise: https://HOST/api/v3)").default(DEFAULT_GITHUB_API))
    .option("--notify-gitlab <project>", "set a commit status on GitLab (the project's id or path, e.g. group/config)")
    .option("--gitlab-token-file <file>", "file holding the GitLab token for --notify-gitlab (read again when it changes)")
    .addOption(new Option("--gitlab-api-url <url>", "GitLab's API").default(DEFAULT_GITLAB_API))
    .addOption(new Option("--status-context <name>", "the commit status's context (GitHub) or name (GitLab)").default("meshops"))
    .option("--public-url <url>", "the status page's address as people reach it: the link of each commit status");
}

/** The sinks and their sender, or undefined when no notification is asked for. Bad flags are usage errors. */
export function notificationSinks(
  o: NotificationOptions,
  io: CliIo,
  log: Logger,
  branch: string | undefined,
): { sinks: Sink[]; sender: NotificationSender } | undefined {
  const sinks: Sink[] = [];
  const targetUrl = o.publicUrl === undefined ? undefined : httpUrl(o.publicUrl, "--public-url");
  const link = targetUrl ? { targetUrl } : {};
  const webhooks = o.notifyWebhook ?? (io.env.MESHOPS_NOTIFY_WEBHOOK ? [io.env.MESHOPS_NOTIFY_WEBHOOK] : []);
  for (const url of webhooks) sinks.push({ kind: "webhook", url: httpUrl(url, "--notify-webhook") });
  const tokens: { github?: TokenFile; gitlab?: TokenFile } = {};
  if (o.notifyGithub !== undefined) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(o.notifyGithub)) throw new UsageError(`--notify-github must be owner/repo, got ${o.notifyGithub}`);
    tokens.github = tokenFile(io, log, o.githubTokenFile, "--github-token-file", "--notify-github");
    sinks.push({ kind: "github", apiUrl: httpUrl(o.githubApiUrl, "--github-api-url"), repository: o.notifyGithub, context: o.statusContext, ...link });
  }
  if (o.notifyGitlab !== undefined) {
    if (o.notifyGitlab.trim() === "") throw new UsageError("--notify-gitlab must name a project");
    tokens.gitlab = tokenFile(io, log, o.gitlabTokenFile, "--gitlab-token-file", "--notify-gitlab");
    sinks.push({
      kind: "gitlab",
      apiUrl: httpUrl(o.gitlabApiUrl, "--gitlab-api-url"),
      project: o.notifyGitlab,
      context: o.statusContext,
      ...(branch ? { ref: branch } : {}),
      ...link,
    });
  }
  if (sinks.length === 0) return undefined;
  return { sinks, sender: new NotificationSender({ env: io.env, log, tokens }) };
}

function tokenFile(io: CliIo, log: Logger, file: string | undefined, flag: string, needs: string): TokenFile {
  if (file === undefined) throw new UsageError(`${needs} needs ${flag}`);
  return openSecretFile(io, log, { file, flag, events: { changed: "notify.token-changed", problem: "notify.token-problem" }, changed: "notifications carry the new token" });
}

function httpUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${flag} must be an http or https URL`);
  return url.href;
}
