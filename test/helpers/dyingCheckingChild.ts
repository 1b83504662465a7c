/**
 * The checking child of cli/parallelValidation.ts, which ends (exit code 3) as soon as its first report is written:
 * a child that crashes partway.
 */
const send = process.send?.bind(process);
if (send) {
  process.send = (message: unknown): boolean => send(message, undefined, {}, () => process.exit(3));
}
await import("../../src/cli/checkingChild.js");
