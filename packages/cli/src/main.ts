// The `tickline` executable (bin/tickline.js requires the built copy of this file).
import { runCli } from './cli';

// `tickline ... | head` closes our stdout early: that ends the output, it is not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
