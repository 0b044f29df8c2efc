import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tar from 'tar';
import { CliError } from '../cliError';

/** The first entry of every cache backup: what the archive must hold, byte for byte. */
export interface CacheManifest {
  readonly format: 'tickline-cache-backup';
  readonly version: 1;
  readonly createdAt: string;
  readonly files: readonly ManifestFile[];
}

export interface ManifestFile {
  /** Relative to the cache root, `/`-separated. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

const MANIFEST = 'manifest.json';
const FILES_DIR = 'cache';
/** Lock files and half-written temporaries of the cache are not data. */
const NOT_DATA = /(\.lock|\.tmp[^/]*|\.partial)$/;

async function listDataFiles(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !NOT_DATA.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((relative) => !relative.startsWith('.backup-'))
    .sort();
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

/**
 * Writes the cache under `root` to a gzip tarball with a checksummed manifest. Files are first hard-
 * linked into a snapshot folder inside the root: the cache replaces files by rename, so a link keeps
 * the version it saw and the checksum always matches the bytes archived, even while the sink writes.
 */
export async function backupCache(root: string, out: string): Promise<CacheManifest> {
  await fs.access(root).catch(() => {
    throw new CliError(`cache directory ${root} does not exist: nothing to back up`, 2);
  });
  const snapshot = path.join(root, `.backup-${process.pid}-${Date.now()}`);
  const partial = `${out}.partial`;
  try {
    const files: ManifestFile[] = [];
    for (const relative of await listDataFiles(root)) {
      const target = path.join(snapshot, FILES_DIR, relative);
      await fs.mkdir(path.dirname(target), { recursive: true });
      try {
        await fs.link(path.join(root, relative), target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed since the listing
        await fs.copyFile(path.join(root, relative), target);
      }
      const { size } = await fs.stat(target);
      files.push({ path: relative, bytes: size, sha256: await sha256(target) });
    }
    const manifest: CacheManifest = {
      format: 'tickline-cache-backup',
      version: 1,
      createdAt: new Date().toISOString(),
      files,
    };
    await fs.writeFile(path.join(snapshot, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await fs.mkdir(path.join(snapshot, FILES_DIR), { recursive: true });
    await tar.c({ gzip: true, file: partial, cwd: snapshot, portable: true }, [MANIFEST, FILES_DIR]);
    await fs.rename(partial, out);
    return manifest;
  } finally {
    await fs.rm(snapshot, { recursive: true, force: true });
    await fs.rm(partial, { force: true });
  }
}

function isManifestFile(value: unknown): value is ManifestFile {
  const file = value as Partial<ManifestFile> | null;
  return (
    typeof file?.path === 'string' &&
    typeof file.bytes === 'number' &&
    typeof file.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(file.sha256)
  );
}

function parseManifest(text: string, archive: string): CacheManifest {
  let value: { format?: unknown; version?: unknown; files?: unknown };
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    throw new CliError(`${archive}: ${MANIFEST} is not JSON: not a Tickline cache backup`, 1);
  }
  const files: unknown[] = Array.isArray(value.files) ? value.files : [];
  if (value.format !== 'tickline-cache-backup' || value.version !== 1 || !Array.isArray(value.files)) {
    throw new CliError(`${archive}: ${MANIFEST} is not a Tickline cache backup manifest (version 1)`, 1);
  }
  for (const file of files) {
    if (!isManifestFile(file)) {
      throw new CliError(`${archive}: ${MANIFEST} has a malformed entry ${JSON.stringify(file)}`, 1);
    }
    if (path.isAbsolute(file.path) || file.path.split('/').includes('..')) {
      throw new CliError(`${archive}: manifest path ${JSON.stringify(file.path)} leaves the cache root`, 1);
    }
  }
  return value as CacheManifest;
}

/**
 * Restores a backup into `root`. The archive is unpacked beside the root and every file checked
 * against the manifest (size and SHA-256, nothing missing, nothing extra) before any cache file is
 * touched; then each file is moved into place by rename, so readers see the old or the new file, never
 * a half. Files of the cache that the backup does not hold are left alone.
 */
export async function restoreCache(root: string, archive: string): Promise<CacheManifest> {
  await fs.access(archive).catch(() => {
    throw new CliError(`backup file ${archive} does not exist or cannot be read`, 2);
  });
  await fs.mkdir(root, { recursive: true });
  const staging = path.join(root, `.backup-restore-${process.pid}-${Date.now()}`);
  await fs.mkdir(staging);
  try {
    await tar.x({ file: archive, cwd: staging, strict: true }).catch((error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      throw new CliError(`${archive} is not a readable gzip tarball: ${why}`, 1);
    });
    const manifestText = await fs.readFile(path.join(staging, MANIFEST), 'utf8').catch(() => {
      throw new CliError(`${archive} has no ${MANIFEST}: not a Tickline cache backup`, 1);
    });
    const manifest = parseManifest(manifestText, archive);
    const unpacked = path.join(staging, FILES_DIR);
    const present = new Set(await listDataFiles(unpacked).catch(() => [] as string[]));
    const problems: string[] = [];
    for (const file of manifest.files) {
      const at = path.join(unpacked, file.path);
      if (!present.delete(file.path)) {
        problems.push(`${file.path}: missing from the archive`);
        continue;
      }
      const { size } = await fs.stat(at);
      if (size !== file.bytes) problems.push(`${file.path}: ${size} bytes, manifest says ${file.bytes}`);
      else if ((await sha256(at)) !== file.sha256) problems.push(`${file.path}: checksum mismatch`);
    }
    for (const extra of present) problems.push(`${extra}: in the archive but not in the manifest`);
    if (problems.length > 0) {
      throw new CliError(
        `${archive} failed verification, nothing was restored:\n  ${problems.join('\n  ')}`,
        1,
      );
    }
    for (const file of manifest.files) {
      const target = path.join(root, file.path);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(path.join(unpacked, file.path), target);
    }
    return manifest;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
