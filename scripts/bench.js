#!/usr/bin/env node
// `npm run bench -- <name> [args...]` runs bench/<name>.bench.ts straight from source, no build step
// (scripts/ts-register.js transpiles on require and maps `@tickline/<pkg>` to its source, as jest does).
// The bench module exports `main(args: string[]): Promise<void>`.
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const benchDir = path.join(root, 'bench');

function available() {
  return fs.existsSync(benchDir)
    ? fs
        .readdirSync(benchDir)
        .filter((f) => f.endsWith('.bench.ts'))
        .map((f) => f.replace(/\.bench\.ts$/, ''))
    : [];
}

// Tickline processes run with a 64 MB young generation (see README, "Performance"): batches of many
// thousand decoded records are alive at once, and with V8's default semi-space they get copied and
// promoted, which doubled consumer time. Benchmarks measure under the same setting, raw loops included.
const SEMI_SPACE = '--max-semi-space-size=64';
if (!process.execArgv.some((arg) => arg.startsWith('--max-semi-space-size'))) {
  const child = spawnSync(
    process.execPath,
    [SEMI_SPACE, ...process.execArgv, __filename, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(child.status ?? 1);
}

const [name, ...args] = process.argv.slice(2);
if (!name || !available().includes(name)) {
  console.error(`usage: npm run bench -- <name> [args]; benches: ${available().join(', ') || '(none)'}`);
  process.exit(2);
}

require('./ts-register');

require(path.join(benchDir, `${name}.bench.ts`))
  .main(args)
  .then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
