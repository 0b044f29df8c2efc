import { runCli, type CliDeps } from '@tickline/cli';

/** Runs `tickline <argv>` in this process, its output captured, and how long it took. */
export async function captureCli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    env,
    registry: {},
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    runServices: () => Promise.resolve(),
  };
  const started = Date.now();
  const code = await runCli(argv, deps);
  return { code, stdout, stderr, ms: Date.now() - started };
}
