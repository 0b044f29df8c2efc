import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../gatewayError';

// public/ sits beside src/ and dist/ (this file is in src/http or dist/http): one path for sources and build.
const PUBLIC_DIR = path.join(__dirname, '..', '..', 'public');

/** lightweight-charts' standalone build, from node_modules (no CDN: the dashboard works offline). */
export function chartLibraryPath(): string {
  try {
    const manifest = require.resolve('lightweight-charts/package.json');
    return path.join(path.dirname(manifest), 'dist', 'lightweight-charts.standalone.production.js');
  } catch {
    throw new GatewayError(
      'UNAVAILABLE',
      'lightweight-charts is not installed: services/gateway/package.json must list it as a dependency, then `npm install` at the repository root',
    );
  }
}

const FILES: Readonly<Record<string, { file: () => string; type: string }>> = {
  '/': { file: () => path.join(PUBLIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/dashboard.js': {
    file: () => path.join(PUBLIC_DIR, 'dashboard.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/dashboard.css': { file: () => path.join(PUBLIC_DIR, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  '/vendor/lightweight-charts.js': { file: chartLibraryPath, type: 'text/javascript; charset=utf-8' },
};

/** Whether `pathname` is one of the dashboard's files. */
export function isStaticPath(pathname: string): boolean {
  return Object.hasOwn(FILES, pathname);
}

/** Serves one of the dashboard's files (a fixed list: no path from the request reaches the file system). */
export async function serveStatic(pathname: string, res: ServerResponse, head: boolean): Promise<void> {
  const entry = FILES[pathname];
  if (entry === undefined) throw new GatewayError('NOT_FOUND', `no file ${pathname}`);
  const body = await fs.readFile(entry.file());
  res.writeHead(200, {
    'content-type': entry.type,
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    // The page runs only its own scripts and talks only to its own origin; lightweight-charts sets inline styles.
    'content-security-policy':
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:",
  });
  res.end(head ? undefined : body);
}
