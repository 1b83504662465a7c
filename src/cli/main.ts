/** Placeholder until the CLI lands: keeps the build and bin/ launcher wired. */
export async function main(_argv: string[]): Promise<number> {
  return 0;
}
