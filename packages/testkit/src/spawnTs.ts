import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

// The workspace's require hook (scripts/ts-register.js): children run sources without a build.
const register = join(__dirname, '..', '..', '..', 'scripts', 'ts-register.js');

/** A child process running a TypeScript file from source, with its output collected. */
export interface TsChild {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches, or rejects (with the output so far) after the timeout. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `node -r scripts/ts-register.js <file> ...args`; `env` is added to a minimal environment. */
export function spawnTs(file: string, args: readonly string[], env: Record<string, string> = {}): TsChild {
  const child = spawn(process.execPath, ['-r', register, file, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const waitForStdout = async (pattern: RegExp, timeoutMs = 15000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`no ${String(pattern)} in stdout:\n${out}\nstderr:\n${err}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, stdout: () => out, stderr: () => err, waitForStdout, exited };
}

/** The JSON lines a pino logger wrote. */
export function logLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
