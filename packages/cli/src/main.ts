// The `tickline` executable (bin/tickline.js requires the built copy of this file).
import { runCli } from './cli';

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
