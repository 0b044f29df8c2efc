import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh cache root per test, removed after. */
export function tempRoot(): { root: string; remove(): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tl-cache-'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
