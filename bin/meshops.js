#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the prepare script). The bundle (dist/src/bundle/,
// scripts/build-cli.mjs) starts faster than dist/src's modules, loaded one file at a time; dist/src is the fallback.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/src/bundle/main.js", import.meta.url);
const { main } = await import(existsSync(bundle) ? bundle.href : "../dist/src/cli/main.js");

process.exitCode = await main(process.argv.slice(2));
