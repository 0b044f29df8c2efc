// One jest config for the whole workspace. Tests are transpiled only (type checking is
// `npm run typecheck`'s job), and workspace imports resolve to source, so no build is needed
// before testing. File names say what a test needs: *.redis.test.ts, *.pg.test.ts, *.e2e.test.ts.
const fs = require('node:fs');
const path = require('node:path');

const moduleNameMapper = {};
for (const group of ['packages', 'services']) {
  const dir = path.join(__dirname, group);
  if (!fs.existsSync(dir)) continue;
  for (const name of fs.readdirSync(dir)) {
    const manifest = path.join(dir, name, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    moduleNameMapper[`^${pkg.name}$`] = `<rootDir>/${group}/${name}/src/index.ts`;
  }
}

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['packages', 'services', 'test']
    .filter((dir) => fs.existsSync(path.join(__dirname, dir)))
    .map((dir) => `<rootDir>/${dir}`),
  testMatch: ['**/*.test.ts'],
  moduleNameMapper,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.check.json', diagnostics: false }],
  },
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/globalSetup.js',
};
