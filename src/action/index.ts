// The bundle's entry point (scripts/build-action.mjs): runs the action and exits with its code.
import { runAction } from "./main.js";

process.exitCode = await runAction();
