// Runs `tickline <argv>` in this process, then prints (as JSON, on a last line) the workspace source files
// it loaded: how cliLoading.test.ts sees which command modules a command pulls in.
import { runCli } from '../../src/cli';

void runCli(process.argv.slice(2)).then((code) => {
  const root = process.cwd();
  const loaded = Object.keys(require.cache)
    .filter((file) => file.startsWith(root) && !file.includes('node_modules'))
    .map((file) => file.slice(root.length + 1));
  process.stdout.write(`\n${JSON.stringify({ code, loaded })}\n`);
});
