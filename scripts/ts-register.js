// Lets a Node process `require` the workspace's TypeScript sources without a build, the way jest does:
// `node -r ./scripts/ts-register.js file.ts`. `.ts` files are transpiled (no type check) with the
// `typescript` package, and `@tickline/<name>` resolves to that package's src/index.ts through the same
// mapping jest uses (jest.config.js's moduleNameMapper). Used by benchmarks and by tests that need a
// real second process.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const crypto = require('node:crypto');

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
  module: 'commonjs',
  target: 'es2022',
  esModuleInterop: true,
  inlineSourceMap: true,
};
// Transpiled output is cached on disk by content hash: a child process then starts in a fraction of a
// second instead of ~2 s of transpiling (and `typescript` itself is loaded only on a cache miss).
const cacheDir = path.join(root, 'node_modules', '.cache', 'tickline-ts');
let ts;
function transpile(filename, source) {
  const key = crypto.createHash('sha1').update(`${filename}\0${source}`).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    ts ??= require('typescript');
    const { outputText } = ts.transpileModule(source, { fileName: filename, compilerOptions });
    const temp = `${cached}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      fs.writeFileSync(temp, outputText);
      fs.renameSync(temp, cached);
    } catch {
      // A read-only tree only loses the cache.
    }
    return outputText;
  }
}
// Registering `.ts` also lets extensionless relative imports (`./keys`) resolve to .ts files.
require.extensions['.ts'] = (module, filename) => {
  module._compile(transpile(filename, fs.readFileSync(filename, 'utf8')), filename);
};
