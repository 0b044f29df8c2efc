import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';

import type * as NodePgMigrateModule from 'node-pg-migrate' with { 'resolution-mode': 'import' };

type NodePgMigrate = typeof NodePgMigrateModule;

let loaded: Promise<NodePgMigrate> | undefined;

/**
 * node-pg-migrate 9 ships ESM only. Our CommonJS build can `require()` it natively (Node >= 20.19), but
 * jest's module registry cannot on Node 20 (it needs Node 24.9), so when require fails the module is
 * imported through Node's own loader, outside jest's sandbox. Either way the same module is used.
 */
export function loadMigrator(): Promise<NodePgMigrate> {
  loaded ??= loadOnce();
  return loaded;
}

async function loadOnce(): Promise<NodePgMigrate> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node-pg-migrate') as NodePgMigrate;
  } catch {
    const url = pathToFileURL(require.resolve('node-pg-migrate')).href;
    const script = new vm.Script('(specifier) => import(specifier)', {
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    const importer = script.runInThisContext() as (specifier: string) => Promise<NodePgMigrate>;
    return importer(url);
  }
}
