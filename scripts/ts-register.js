// Lets a Node process `require` the workspace's TypeScript sources without a build, the way jest does:
// `node -r ./scripts/ts-register.js file.ts`. `.ts` files are transpiled (no type check) with the
// `typescript` package, and `@tickline/<name>` resolves to that package's src/index.ts through the same
// mapping jest uses (jest.config.js's moduleNameMapper). Used by benchmarks and by tests that need a
// real second process.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const sources = new Map(
  Object.entries(require(path.join(root, 'jest.config.js')).moduleNameMapper).map(([pattern, target]) => [
    pattern.slice(1, -1),
    target.replace('<rootDir>', root),
  ]),
);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, sources.get(request) ?? request, ...rest);
};

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
};
// Registering `.ts` also lets extensionless relative imports (`./keys`) resolve to .ts files.
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions,
  });
  module._compile(outputText, filename);
};
