import { spawn } from 'node:child_process';
import { CliError } from '../cliError';

/**
 * Runs a PostgreSQL client program (pg_dump, pg_restore) against `url`. The password never goes on
 * the command line, where `ps` shows it: it travels in PGPASSWORD and is scrubbed from any output.
 */
export async function runPgTool(program: string, args: readonly string[], url: string): Promise<string> {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const scrub = (text: string) => (password === '' ? text : text.split(password).join('[redacted]'));
  const child = spawn(program, [...args, `--dbname=${parsed.toString()}`], {
    env: { ...process.env, ...(password === '' ? {} : { PGPASSWORD: password }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new CliError(
        `${program} is not installed: install PostgreSQL's client programs (Debian: apt-get install postgresql-client)`,
        1,
      );
    }
    throw error;
  });
  if (code !== 0) {
    throw new CliError(`${program} failed (exit ${code}): ${scrub(stderr.trim()) || 'no message'}`, 1);
  }
  return scrub(stdout);
}
