#!/usr/bin/env bash
# The pull-request check of meshops, exactly as the GitHub Action (action.yml) runs it, so a run can be reproduced
# locally with one command:
#
#   scripts/pr-check.sh --repo ../mesh-config --path config origin/main HEAD
#
# 1. `meshops validate` at HEAD, once: github annotations on stdout; markdown, SARIF and JUnit into --out (--output);
# 2. if valid, `meshops plan --base BASE --ref HEAD`, once: github annotations; markdown, JSON and JUnit into --out;
# 3. the pull-request comment: --out/comment.md (validate and plan markdown, under GitHub's 65,536 characters).
# This script only reads its options: the check is the Action's own code (src/action/prCheck.ts), run in one process.
#
# Exit code: 1 when HEAD is invalid or a command fails; otherwise the plan's: 2 when --plan-fail-on says the plan
# fails (default: risky, a change the mass-change guard flags), 0 when not.
set -uo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/pr-check.sh [options] BASE [HEAD]

Validates HEAD (default HEAD) and plans it against BASE (the pull request's target, e.g. origin/main, or
$(git merge-base origin/main HEAD) for the pull request's own changes only), offline.

Options:
  --repo DIR              the configuration repository (a Git working copy; default .)
  --path SUBDIR           folder of the repository holding the configuration (default: its root)
  --out DIR               where comment.md, validate.{md,sarif,junit.xml} and plan.{md,json,junit.xml} go
                          (default: $RUNNER_TEMP/meshops-pr-check, or /tmp/meshops-pr-check)
  --format FORMAT         what is printed: github (annotations, as in Actions; default) or text
  --warnings-as-errors    validation warnings fail the check
  --allow-empty           a --path with no configuration files is valid (by default an error, so a mistyped
                          path fails)
  --plan-fail-on WHAT     changes | risky (default) | none: which plans fail the check (exit 2)
  --validation-cache DIR  keep validation results in DIR across runs (sets MESHOPS_VALIDATION_CACHE, which is
                          also read from the environment): a tree already validated is not validated again, and a
                          head whose base is there only analyzes the files it changed. Keep DIR in the CI cache.
  -h, --help              this help
EOF
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo=.
config_path=
out="${RUNNER_TEMP:-/tmp}/meshops-pr-check"
format=github
warnings_as_errors=false
allow_empty=false
plan_fail_on=risky
positional=()

while [ $# -gt 0 ]; do
  case "$1" in
    --repo) repo="${2:?--repo needs a directory}"; shift 2 ;;
    --path) config_path="${2:?--path needs a folder}"; shift 2 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --format) format="${2:?--format needs github or text}"; shift 2 ;;
    --warnings-as-errors) warnings_as_errors=true; shift ;;
    --allow-empty) allow_empty=true; shift ;;
    --plan-fail-on) plan_fail_on="${2:?--plan-fail-on needs changes, risky or none}"; shift 2 ;;
    --validation-cache) export MESHOPS_VALIDATION_CACHE="${2:?--validation-cache needs a directory}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; positional+=("$@"); break ;;
    -*) echo "pr-check: unknown option $1" >&2; usage >&2; exit 1 ;;
    *) positional+=("$1"); shift ;;
  esac
done
if [ ${#positional[@]} -lt 1 ] || [ ${#positional[@]} -gt 2 ]; then
  usage >&2
  exit 1
fi
case "$format" in github | text) ;; *) echo "pr-check: --format must be github or text" >&2; exit 1 ;; esac
base="${positional[0]}"
head="${positional[1]:-HEAD}"
# The check itself is the Action's (src/action/prCheck.ts), so the two cannot drift apart: validate once, plan once,
# every report through --output, the comment.
exec node "$here/../dist/src/action/prCheckCli.js" "$repo" "${config_path}" "$out" "$format" "$warnings_as_errors" "$allow_empty" "$plan_fail_on" "$base" "$head"
