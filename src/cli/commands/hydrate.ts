import { Command } from "commander";
import { hydrateBranch } from "../../hydrate/branch.js";
import { manifestFiles } from "../../hydrate/manifests.js";
import { WORKTREE } from "../../source/types.js";
import { UsageError, type CliIo } from "../io.js";
import { loadManifests } from "../manifests.js";
import { addRepositoryOptions, GIT_OWN_CREDENTIALS, localRepositoryDir, refuseTokenInUrl, type RepositoryOptions } from "../repository.js";
import { shortRevision } from "../../model/revision.js";

export function hydrateCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("hydrate")
    .description("commit `render --format kubernetes --out` of a source commit to a branch, for Flux or Argo CD to apply")
    .requiredOption("--branch <name>", "the branch that holds the rendered manifests (meshops's commits only)")
    .option("--remote <name-or-url>", "fetch the branch from this remote and push it there (default: the local branch)");
  return addRepositoryOptions(command, io, "the source commit to render and commit (a commit: not WORKTREE)").action(async (options: RepositoryOptions & { branch: string; remote?: string }) => {
    if (options.ref === WORKTREE) throw new UsageError("hydrate commits what a source commit renders: --ref WORKTREE has no commit");
    if (options.remote !== undefined) refuseTokenInUrl("--remote", options.remote, GIT_OWN_CREDENTIALS);
    // Nothing is committed unless every manifest is valid (the problems on stderr).
    const rendered = await loadManifests(options, io, { commitFor: "hydrate renders a commit" });
    if (!rendered) return setExit(1);
    const result = await hydrateBranch({
      repoDir: localRepositoryDir(options.repo, io),
      branch: options.branch,
      remote: options.remote,
      sourceRevision: rendered.revision,
      sourcePath: options.path ?? "",
      files: manifestFiles(rendered.manifests),
      env: io.env,
    });
    const where = options.remote === undefined ? options.branch : `${options.branch} on ${options.remote}`;
    io.stdout.write(
      result.outcome === "up-to-date"
        ? `${where} is up to date: ${shortRevision(result.commit)} has ${shortRevision(rendered.revision)}\n`
        : `${where}: ${shortRevision(result.commit)} hydrates ${shortRevision(rendered.revision)} (${rendered.manifests.length} manifests)\n`,
    );
    setExit(0);
  });
}
