import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Command, Option } from "commander";
import { EXPORT_LAYOUTS, EXPORT_SHAPES, exportRepository, sealSecretFiles, UNMANAGED_DIR, whyNotExported, type ExportLayout, type ExportShape, type ExportSummary } from "../../export/repository.js";
import { countUnreadKinds, readLiveState } from "../../sync/live.js";
import type { ControlPlaneMode } from "../../kuma/controlPlaneMade.js";
import { addControlPlaneOptions, openControlPlane, type ControlPlaneOptions } from "../controlPlane.js";
import { UsageError, type CliIo } from "../io.js";
import { collect } from "../repository.js";
import { makeDirectory } from "../../util/directory.js";
import { forEachLimited } from "../../util/limit.js";
import { startProgress } from "../progress.js";
import { plural } from "../../report/common.js";
import { pluralOfKind } from "../../kuma/naming.js";

type ExportOptions = ControlPlaneOptions & {
  out: string;
  layout: ExportLayout;
  shape: ExportShape;
  instance: string;
  adopt?: boolean;
  force?: boolean;
  sopsAgeRecipient: readonly string[];
  sopsPgpRecipientFile: readonly string[];
  controlPlaneMode: ControlPlaneMode;
};

/** An age recipient (public key): bech32, `age1` then lowercase letters and digits. */
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

/** `meshops export --out DIR`: adopt a control plane that already runs. Reads only; nothing is written to it. */
export function exportCommand(io: CliIo, setExit: (code: number) => void): Command {
  const command = new Command("export")
    .description("write a repository (--out DIR) from what a control plane holds, so that validate passes and plan shows no changes")
    .requiredOption("--out <dir>", "directory to write the repository into (must be empty or absent, unless --force)")
    .addOption(new Option("--layout <layout>", "by-mesh: meshes/<mesh>/mesh.yaml and meshes/<mesh>/<type>/<name>.yaml; by-type: <type>/<mesh>/<name>.yaml; flat: meshes/<mesh>.yaml").choices(EXPORT_LAYOUTS).default("by-mesh"))
    .addOption(new Option("--shape <shape>", "YAML shape of the documents: the Universal REST shape, or Kubernetes custom resources").choices(EXPORT_SHAPES).default("universal"))
    .option("--instance <name>", "the ownership label's value (meshops.io/managed-by) this repository will own by", "meshops")
    .option("--adopt", `export resources meshops does not own into the repository (the next apply owns them) instead of under ${UNMANAGED_DIR}/`)
    .addOption(
      new Option("--control-plane-mode <mode>", "the control plane's role (meshops.yaml controlPlane.mode): what another control plane synced to it is left out")
        .choices(["zone", "global", "standalone"])
        .default("zone"),
    )
    .option("--force", "write into a directory that is not empty (files of the same name are replaced; others are kept)")
    .option("--sops-age-recipient <age1...>", "write Secrets SOPS-encrypted for this age public key (repeatable); without a recipient, Secrets are left out", collect, [])
    .option("--sops-pgp-recipient-file <file>", "write Secrets SOPS-encrypted for the PGP public key in this file (armored, gpg --export --armor FPR; repeatable)", collect, []);
  addControlPlaneOptions(command);
  return command.action(async (options: ExportOptions) => {
    const out = path.resolve(io.cwd, options.out);
    const badRecipient = options.sopsAgeRecipient.find((r) => !AGE_RECIPIENT.test(r));
    if (badRecipient !== undefined) throw new UsageError(`--sops-age-recipient ${badRecipient}: not an age public key (age1 followed by 58 characters; age-keygen -y KEYFILE prints it)`);
    const recipients = { age: options.sopsAgeRecipient, pgp: await Promise.all(options.sopsPgpRecipientFile.map((file) => pgpPublicKey(file, io))) };
    const anyRecipient = recipients.age.length + recipients.pgp.length > 0;
    const entries = await entriesOf(out, options.out);
    if (!options.force && entries.length > 0) throw new UsageError(`--out ${options.out} is not empty; choose an empty directory or pass --force`);
    // Read only: an embedded control plane is not given a Mesh default it does not hold (a real one creates it at start).
    const { backend } = await openControlPlane(options, io, { version: undefined, skipDefaultMeshCreation: true, existing: true });
    let exported;
    try {
      const [info, types] = await Promise.all([backend.info(), backend.types()]);
      const warn = (message: string) => io.stderr.write(`meshops: warning: ${message}\n`);
      const [live, unreadKinds] = await Promise.all([readLiveState(backend, { needWrite: false, types }), countUnreadKinds(backend, types, undefined, warn)]);
      exported = exportRepository(
        live,
        { info, unreadKinds },
        {
          layout: options.layout,
          shape: options.shape,
          instance: options.instance,
          adopt: options.adopt === true,
          secrets: anyRecipient,
          mode: options.controlPlaneMode,
        },
      );
    } finally {
      await backend.close();
    }
    // Encrypted before anything is written: no plaintext Secret ever reaches the disk.
    const sealed = await sealSecretFiles(exported.secretDocuments, recipients, new Date().toISOString().replace(/\.\d+Z$/, "Z"));
    // Many files at once (a layout of one file per resource is 51,000 at 51,000 resources: one at a time, the process
    // mostly waited on the file system), each folder made once.
    const folders = new Map<string, Promise<void>>();
    const folder = (dir: string): Promise<void> => {
      let made = folders.get(dir);
      if (!made) folders.set(dir, (made = makeDirectory(dir)));
      return made;
    };
    const files = [...exported.files, ...sealed];
    const progress = startProgress(io, files.length, { verbose: false, doing: "writing files" });
    try {
      await forEachLimited(files, FILES_WRITTEN_AT_ONCE, async ([file, text]) => {
        const target = path.join(out, ...file.split("/"));
        await folder(path.dirname(target));
        await writeFile(target, text, "utf8");
        progress.done();
      });
    } finally {
      progress.stop();
    }
    io.stdout.write(summaryText(exported.summary, options.out, exported.files.size + sealed.size));
    setExit(0);
  });
}

/** Files export writes at once: enough to keep libuv's file system threads busy. */
const FILES_WRITTEN_AT_ONCE = 32;

/** An armored PGP public key from a file; one clear line when the file holds none. */
async function pgpPublicKey(file: string, io: CliIo): Promise<string> {
  const text = await readFile(path.resolve(io.cwd, file), "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--sops-pgp-recipient-file ${file}: cannot read it (${error.code ?? "error"})`);
  });
  const key = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/.exec(text)?.[0];
  if (key === undefined) throw new UsageError(`--sops-pgp-recipient-file ${file}: no -----BEGIN PGP PUBLIC KEY BLOCK----- in the file`);
  return key;
}

/** What `dir` (`--out`, written as `flag`) holds: nothing when absent; a file there, or above it, is a usage error. */
async function entriesOf(dir: string, flag: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    if (code === "ENOTDIR") throw new UsageError(`--out ${flag} is not a directory (it, or a folder above it, is a file)`);
    throw error;
  }
}

function summaryText(s: ExportSummary, out: string, files: number): string {
  const lines = [`Exported ${plural(s.exported, "resource")} into ${out} (${plural(files, "file")}, meshops.yaml included).`];
  const target = [s.config.product, s.config.version ?? "version not recognized: set controlPlane.version"].join(" ");
  lines.push(`  meshops.yaml: ${target}${s.config.mode ? `, mode ${s.config.mode}` : ""}, skipDefaultMeshCreation ${s.config.skipDefaultMeshCreation}${s.config.externalMeshes.length ? `, externalMeshes ${s.config.externalMeshes.join(", ")}` : ""}`);
  if (s.defaultPolicies > 0) lines.push(`  left out: ${s.defaultPolicies} default polic${s.defaultPolicies === 1 ? "y" : "ies"} identical to what meshops materializes`);
  if (s.encryptedSecrets > 0) lines.push(`  encrypted: ${plural(s.encryptedSecrets, "secret")} written SOPS-encrypted (*.sops.yaml; plan and apply need the age key: SOPS_AGE_KEY_FILE)`);
  if (s.secrets > 0) {
    // Only without a recipient: with one, every Secret and GlobalSecret is written encrypted.
    const hint = `pass --sops-age-recipient or --sops-pgp-recipient-file to write ${s.secrets === 1 ? "it" : "them"} SOPS-encrypted; until then \`apply --prune\` would delete ${s.secrets === 1 ? "it" : "them"}`;
    lines.push(`  left out: ${plural(s.secrets, "secret")} (never written in clear text: ${hint})`);
  }
  if (!s.materializeDefaults) lines.push("  defaults.materialize is off: a Mesh lacks a default policy meshops would create, so every default policy is a file");
  if (s.adopted.length > 0) {
    const defaults = s.adoptedDefaultPolicies > 0 ? ` (${s.adoptedDefaultPolicies} of them default policies meshops materializes)` : "";
    lines.push(`  adopted: ${plural(s.adopted.length, "resource")} not owned by meshops until now${defaults}; the next apply adds the ownership label`);
  }
  if (s.unmanaged.length > 0) {
    lines.push(`  not owned: ${plural(s.unmanaged.length, "resource")} written under ${UNMANAGED_DIR}/ (excluded in meshops.yaml); export with --adopt, or move files out, to own them`);
  }
  if (s.otherInstances.length > 0) {
    const count = s.otherInstances.reduce((sum, o) => sum + o.resources.length, 0);
    const owners = s.otherInstances.map((o) => `${JSON.stringify(o.instance)} (${o.resources.length})`).join(", ");
    lines.push(
      `  another instance's: ${plural(count, "resource")} of meshops instance ${owners} written under ${UNMANAGED_DIR}/, even with --adopt: owned here too, each instance's apply would take ${count === 1 ? "it" : "them"} back from the other`,
    );
  }
  if (s.unmanaged.length + s.otherInstances.length > 0) {
    // An empty configuration is refused (a mistyped --path must not pass): say so before validate does.
    if (s.exported === 0 && s.encryptedSecrets === 0) {
      const nothing = "  nothing owned: the repository holds no configuration of its own yet, so validate, plan and apply need --allow-empty";
      // Another instance's resources are never adopted, nor to be moved out (both instances would own them): exporting as that instance is what gives the repository them.
      if (s.unmanaged.length > 0) lines.push(`${nothing} until you move files out of ${UNMANAGED_DIR}/ (or export with --adopt)`);
      else {
        const instances = s.otherInstances.map((o) => o.instance);
        const as = instances.map((i) => `--instance ${i}`).join(" or ");
        lines.push(`${nothing}; to manage what meshops instance ${instances.map((i) => JSON.stringify(i)).join(" or ")} owns, export with ${as} instead`);
      }
    }
  }
  if (s.generated.length > 0) lines.push(`  left out: ${plural(s.generated.length, "resource")} generated by the control plane (kuma.io/managed-by)`);
  if (s.synced.length > 0) lines.push(`  left out: ${plural(s.synced.length, "resource")} synced from another control plane (kuma.io/origin)`);
  for (const { type, count } of s.notExported) {
    lines.push(`  not exported: ${count === undefined ? `the ${pluralOfKind(type)} it holds (they could not be listed)` : plural(count, type, pluralOfKind(type))} (${whyNotExported(type)})`);
  }
  return lines.join("\n") + "\n";
}
