// Copies the status page's hand-written files (src/daemon/ui/) next to the compiled daemon (dist/src/daemon/ui/),
// where src/daemon/ui.ts serves them from. Part of `npm run build`; the files need no other build step.
import { cpSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const from = path.join(root, "src", "daemon", "ui");
const to = path.join(root, "dist", "src", "daemon", "ui");
rmSync(to, { recursive: true, force: true });
// tsconfig.json only type-checks the script (npm run typecheck): it is not part of the page.
cpSync(from, to, { recursive: true, filter: (source) => path.basename(source) !== "tsconfig.json" });
