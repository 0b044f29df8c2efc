import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './configError';
import { CREDENTIAL_URL_PATHS, ENV_BINDINGS, SECRET_PATHS, type EnvBinding } from './envBindings';
import { deepFreeze, deletePath, getPath, isTree, setPath } from './objectPath';
import { createScrubber, REDACTED, redactUrl, secretsOf, urlPassword } from './redact';
import { ConfigSchema, type ParsedConfig } from './schema';

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, frozen configuration every service receives. */
export type TicklineConfig = DeepReadonly<ParsedConfig>;

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Config file, YAML or JSON. Default: `TICKLINE_CONFIG`; neither means defaults plus environment. */
  readonly file?: string;
  /** Environment to read overrides and secrets from. Default: `process.env`. */
  readonly env?: Env;
  /** Directory relative paths resolve against. Default: `process.cwd()`. */
  readonly cwd?: string;
}

type Raw = Record<string, unknown>;

/** Reads, overrides, validates and freezes the configuration; throws a ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): TicklineConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = nonEmpty(options.file) ?? nonEmpty(env.TICKLINE_CONFIG);
  const fileSource = file === undefined ? 'defaults' : `file ${file}`;
  const raw = file === undefined ? {} : readConfigFile(file, cwd);

  const problems = takeFileSecrets(raw, fileSource);
  const envSources = applyEnv(raw, env);
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const sourceOf = (path: string) => {
      const binding = ENV_BINDINGS.find(
        (b) => envSources.has(b.name) && (path === b.path || path.startsWith(`${b.path}.`)),
      );
      return binding === undefined ? fileSource : `environment ${binding.name}`;
    };
    for (const issue of result.error.issues) problems.push(...toProblems(issue, raw, sourceOf));
  }
  if (problems.length > 0) {
    const scrub = createScrubber(secretsOf(raw).map((s) => s.value));
    throw new ConfigError(
      'CONFIG_INVALID',
      problems.map((p) => ({ ...p, message: scrub(p.message) })),
    );
  }
  return finish(result.data as ParsedConfig, cwd);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function readConfigFile(file: string, cwd: string): Raw {
  const source = `file ${file}`;
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError('CONFIG_FILE_UNREADABLE', [
      { path: '', message: `cannot read it (${reason})`, source },
    ]);
  }
  // YAML 1.2 is a superset of JSON, so one parser serves both; it reports every syntax error.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      path: '',
      message: e.message.split('\n')[0] ?? e.message,
      source,
    }));
    throw new ConfigError('CONFIG_FILE_SYNTAX', problems);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isTree(value)) {
    throw new ConfigError('CONFIG_FILE_SYNTAX', [
      { path: '', message: 'expected a mapping of settings at the top level', source },
    ]);
  }
  return value;
}

/** Secrets may only come from the environment: one found in the file is reported and dropped. */
function takeFileSecrets(raw: Raw, source: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const envFor = (path: string) =>
    ENV_BINDINGS.find((b) => b.path === path)?.name ?? 'an environment variable';
  for (const path of SECRET_PATHS) {
    if (getPath(raw, path) === undefined) continue;
    problems.push({
      path,
      message: `secrets are not read from files; put it in the environment as ${envFor(path)}`,
      source,
    });
    deletePath(raw, path);
  }
  for (const path of CREDENTIAL_URL_PATHS) {
    if (urlPassword(getPath(raw, path)) === undefined) continue;
    const hint = path === 'redis.url' ? ' (or just the password as REDIS_PASSWORD)' : '';
    problems.push({
      path,
      message: `contains a password; put the URL in the environment as ${envFor(path)}${hint}`,
      source,
    });
    deletePath(raw, path);
  }
  return problems;
}

function envValue(binding: EnvBinding, text: string): unknown {
  switch (binding.kind) {
    case 'int':
      // Anything not an integer stays text, so validation reports it as given.
      return /^[+-]?\d+$/.test(text.trim()) ? Number(text) : text;
    case 'list':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'string':
      return text.trim();
  }
}

/** Applies environment overrides onto `raw`; returns the names of the variables used. */
function applyEnv(raw: Raw, env: Env): Set<string> {
  const used = new Set<string>();
  for (const binding of ENV_BINDINGS) {
    const text = nonEmpty(env[binding.name]);
    if (text === undefined) continue;
    setPath(raw, binding.path, envValue(binding, text));
    used.add(binding.name);
  }
  return used;
}

function describeValue(path: string, value: unknown): string {
  if (SECRET_PATHS.includes(path)) return REDACTED;
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const shown = redactUrl(value);
    return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown);
  }
  if (Array.isArray(value)) return 'a list';
  if (isTree(value)) return 'a mapping';
  return JSON.stringify(value); // a number, boolean or null
}

function toProblems(issue: z.core.$ZodIssue, raw: Raw, sourceOf: (path: string) => string): ConfigProblem[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const keyPath = path === '' ? key : `${path}.${key}`;
      return {
        path: keyPath,
        message: 'unknown setting (see packages/config/README.md)',
        source: sourceOf(keyPath),
      };
    });
  }
  const value = getPath(raw, issue.path);
  return [{ path, message: `${issue.message}, got ${describeValue(path, value)}`, source: sourceOf(path) }];
}

function finish(config: ParsedConfig, cwd: string): TicklineConfig {
  config.cache.dir = resolve(cwd, config.cache.dir);
  config.redis.tls.enabled ||= config.redis.url.startsWith('rediss://');
  return deepFreeze(config);
}
