/**
 * Credentials for a private remote, given to git by reference so no secret is ever in a URL, an argument, the clone's
 * .git/config or a log line:
 * - HTTPS: a token file, answered to git's password prompt by a small GIT_ASKPASS script that reads the file each time
 *   (a rotated token is used at the next fetch), with a fixed user name (`x-access-token` by default: GitHub; GitLab
 *   takes any name with a personal or deploy token);
 * - SSH: a private key file and a known_hosts file, through GIT_SSH_COMMAND (host keys checked strictly, no prompt).
 * Also: curl (git's HTTP) reads only the lower-case `http_proxy`, so an upper-case HTTP_PROXY is passed on as that.
 */
import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { makeDirectory } from "../util/directory.js";
import { shellQuote } from "../util/shell.js";

export interface GitCredentials {
  /** HTTPS: the file holding the token (or password). */
  readonly tokenFile?: string;
  /** HTTPS: the user name sent with the token (default x-access-token). */
  readonly username?: string;
  /** SSH: the private key (mode 0600 or stricter, or ssh refuses it). */
  readonly sshKeyFile?: string;
  /** SSH: the known_hosts file the server's host key must be in. */
  readonly knownHostsFile?: string;
}

const ASKPASS = `#!/bin/sh
# Written by meshops: answers git's credential prompts from files named in the environment, never from arguments.
case "$1" in
  Username*) printf '%s\\n' "$MESHOPS_GIT_USERNAME" ;;
  *) tr -d '\\r\\n' < "$MESHOPS_GIT_TOKEN_FILE"; printf '\\n' ;;
esac
`;


/**
 * The variables to add to git's environment for `credentials`; the askpass script is written into `helperDir` (the
 * clone cache) when a token file is given.
 */
export async function gitCredentialEnvironment(credentials: GitCredentials, helperDir: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  if (credentials.tokenFile !== undefined) {
    await makeDirectory(helperDir);
    const script = path.join(helperDir, "meshops-askpass.sh");
    await writeFile(script, ASKPASS, { mode: 0o700 });
    await chmod(script, 0o700);
    Object.assign(env, { GIT_ASKPASS: script, MESHOPS_GIT_USERNAME: credentials.username ?? "x-access-token", MESHOPS_GIT_TOKEN_FILE: path.resolve(credentials.tokenFile) });
  }
  if (credentials.sshKeyFile !== undefined || credentials.knownHostsFile !== undefined) {
    const options = [
      ...(credentials.sshKeyFile !== undefined ? ["-i", shellQuote(path.resolve(credentials.sshKeyFile)), "-o", "IdentitiesOnly=yes"] : []),
      ...(credentials.knownHostsFile !== undefined ? ["-o", shellQuote(`UserKnownHostsFile=${path.resolve(credentials.knownHostsFile)}`)] : []),
      "-o", "StrictHostKeyChecking=yes",
      "-o", "BatchMode=yes",
    ];
    env.GIT_SSH_COMMAND = ["ssh", ...options].join(" ");
  }
  return env;
}

/** curl honours only `http_proxy` in lower case for http URLs: pass HTTP_PROXY on under that name. */
export function proxyEnvironmentForGit(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  if (env.http_proxy === undefined && env.HTTP_PROXY) out.http_proxy = env.HTTP_PROXY;
  return out;
}
