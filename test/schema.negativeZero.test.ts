/**
 * `-0.0` in an unsigned integer field. go-yaml v2 reads the plain scalar `-0.0` as the float64 -0 (`-0` is the integer
 * 0: strconv.ParseInt), and Go's json.Marshal writes that float as `-0`, which is what kumactl sends (and decodes
 * itself first). encoding/json reads a number into an unsigned field with strconv.ParseUint, which refuses the sign:
 * `json: cannot unmarshal number -0 into Go struct field ... of type uint32`, where a signed field (strconv.ParseInt)
 * takes it as 0. meshops sent 0, which the control plane takes, so `validate` passed what `kumactl apply` of the same
 * file fails on. A Kubernetes document is read by the API server, whose JSON reader keeps integral numbers as int64
 * (sigs.k8s.io/json): `-0` is stored as 0 there, and no Go decoder sees its sign.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { commitFiles, tempRepo } from "./helpers/git.js";

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

interface Diagnostic {
  readonly severity: string;
  readonly file: string;
  readonly line: number;
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

async function validate(files: Record<string, string>): Promise<{ code: number; errors: string[] }> {
  const repo = tempRepo("meshops-negative-zero-");
  cleanups.push(repo.cleanup);
  commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n", ...files });
  const run = await runCli(["validate", "--format", "json"], repo.dir);
  const diagnostics = (JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
  return { code: run.code, errors: diagnostics.filter((d) => d.severity === "error").map((d) => `${d.file}:${d.line} ${d.path} ${d.rule}: ${d.message}`) };
}

/** A Universal MeshRetry with its HTTP retries (a Go uint32), the host selection's frequency (int32) and attempts (int64) as written. */
const retry = (retries: string, frequency = "1", maxAttempts = "2") =>
  [
    "type: MeshRetry",
    "mesh: default",
    "name: retry",
    "spec:",
    "  targetRef:",
    "    kind: Mesh",
    "  to:",
    "    - targetRef:",
    "        kind: Mesh",
    "      default:",
    "        http:",
    `          numRetries: ${retries}`,
    `          hostSelectionMaxAttempts: ${maxAttempts}`,
    "          hostSelection:",
    "            - predicate: OmitPreviousHosts",
    `              updateFrequency: ${frequency}`,
    "",
  ].join("\n");

describe("-0.0 in an integer field, as kumactl and the control plane decode it", () => {
  test("in an unsigned field it is the decode error kumactl gets, at the field", async () => {
    const flow = retry("-0.0").replace(/ {8}http:\n[^]*/, "        http: {numRetries: -0.0, hostSelectionMaxAttempts: 2}\n");
    const cases: [string, string, number][] = [
      ["-0.0", retry("-0.0"), 12],
      ["-.0", retry("-.0"), 12],
      ["-0e3", retry("-0e3"), 12],
      ["a flow mapping's -0.0", flow, 11],
    ];
    for (const [label, text, line] of cases) {
      const { code, errors } = await validate({ "retry.yaml": text });
      assert.deepEqual(
        errors,
        [
          `retry.yaml:${line} spec.to[0].default.http.numRetries schema: must be an unsigned 32-bit integer (Go type uint32): -0 cannot be decoded; YAML reads it as the float -0, which kumactl sends as -0: write 0`,
        ],
        label,
      );
      assert.equal(code, 1, label);
    }
  });

  test("`-0` is the integer 0 in YAML, and a signed field takes -0: both pass", async () => {
    const { code, errors } = await validate({ "retry.yaml": retry("-0", "-0.0", "-0.0") });
    assert.deepEqual(errors, []);
    assert.equal(code, 0);
  });

  test("a Kubernetes document's -0.0 reaches the control plane as 0: it passes", async () => {
    const kubernetes = [
      "apiVersion: kuma.io/v1alpha1",
      "kind: MeshRetry",
      "metadata:",
      "  name: retry",
      "  namespace: kuma-system",
      "  labels:",
      "    kuma.io/mesh: default",
      "spec:",
      "  targetRef:",
      "    kind: Mesh",
      "  to:",
      "    - targetRef:",
      "        kind: Mesh",
      "      default:",
      "        http:",
      "          numRetries: -0.0",
      "",
    ].join("\n");
    const { code, errors } = await validate({ "retry.yaml": kubernetes });
    assert.deepEqual(errors, []);
    assert.equal(code, 0);
  });
});
