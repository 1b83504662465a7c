#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the prepare script). The bundle (dist/src/bundle/,
// scripts/build-cli.mjs) starts faster than dist/src's modules, loaded one file at a time; dist/src is the fallback,
// and what runs when it was compiled after the bundle (`tsc` alone, without `npm run build`, leaves the bundle stale).
import { statSync } from "node:fs";

const bundle = new URL("../dist/src/bundle/main.js", import.meta.url);
const modules = new URL("../dist/src/cli/main.js", import.meta.url);
const builtAt = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1;
const { main } = await import((builtAt(bundle) >= builtAt(modules) ? bundle : modules).href);

process.exitCode = await main(process.argv.slice(2));
