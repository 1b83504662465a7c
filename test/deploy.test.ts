/**
 * The container image's recipe (deploy/Dockerfile), without a container engine: linted by dockerfile-utils (the
 * Dockerfile language server's validator) and checked for what the image promises: multi-stage on Node 24 LTS, no
 * tests or benchmarks, a non-root user, Git allowed to read mounted repositories, the status server on every
 * interface whatever command is given (MESHOPS_LISTEN), a HEALTHCHECK. And the CI examples on Node 24.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { validate } from "dockerfile-utils";
import { projectRoot } from "./helpers/git.js";

const dockerfile = readFileSync(path.join(projectRoot, "deploy", "Dockerfile"), "utf8");

/** Instructions with their arguments, continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
  .map((line) => {
    const [keyword = "", ...rest] = line.trim().split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
  });
const stages = instructions.reduce<{ keyword: string; args: string }[][]>((all, i) => (i.keyword === "FROM" ? [...all, [i]] : (all.at(-1)?.push(i), all)), []);
const final = stages.at(-1) ?? [];
const inFinal = (keyword: string) => final.filter((i) => i.keyword === keyword).map((i) => i.args);

test("the Dockerfile lints clean", () => {
  assert.deepEqual(validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
});

test("multi-stage on Node 24 LTS; tests and benchmarks stay out", () => {
  assert.ok(stages.length >= 2, "a build stage and a runtime stage");
  for (const stage of stages) assert.match(stage[0]?.args ?? "", /^node:24[-.\w]*( AS \w+)?$/i);
  const copied = instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD").map((i) => i.args);
  for (const args of copied) assert.doesNotMatch(args, /(^|\s)\.?\/?(test|bench)(\/|\s|$)/, args);
  const ignored = readFileSync(path.join(projectRoot, ".dockerignore"), "utf8").split("\n");
  for (const folder of ["test", "bench", "node_modules", "dist", ".git"]) assert.ok(ignored.includes(folder), `.dockerignore: ${folder}`);
});

test("runs as a non-root user; Git reads mounted repositories; listens on every interface; has a health check", () => {
  const users = inFinal("USER");
  assert.equal(users.length, 1);
  assert.doesNotMatch(users[0] ?? "", /^(root|0)(:|$)/);
  assert.ok(inFinal("RUN").some((run) => run.includes("git config --system --add safe.directory")), "safe.directory");
  assert.ok(inFinal("ENV").some((env) => /MESHOPS_LISTEN=0\.0\.0\.0:5680/.test(env)), "MESHOPS_LISTEN");
  assert.deepEqual(inFinal("EXPOSE"), ["5680"]);
  const [healthcheck] = inFinal("HEALTHCHECK");
  assert.match(healthcheck ?? "", /CMD .*\/healthz/);
  assert.match(inFinal("ENTRYPOINT")[0] ?? "", /tini.*node.*\/app\/bin\/meshops\.js/);
  // The default command gives no --listen: MESHOPS_LISTEN decides, as it does for any command an operator gives.
  assert.doesNotMatch(inFinal("CMD").join(" "), /--listen/);
});

test("the CI examples run on Node 24", () => {
  const gitlab = readFileSync(path.join(projectRoot, "examples", "gitlab-ci.yml"), "utf8");
  assert.match(gitlab, /image: node:24\b/);
  assert.doesNotMatch(gitlab, /node:20\b/);
});
