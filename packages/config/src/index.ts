export { ConfigError, formatProblem, type ConfigErrorCode, type ConfigProblem } from './configError';
export {
  CREDENTIAL_URL_PATHS,
  ENV_BINDINGS,
  SECRET_PATHS,
  envNameFor,
  type EnvBinding,
  type EnvKind,
} from './envBindings';
export { loadConfig, type Env, type LoadConfigOptions, type TicklineConfig } from './loadConfig';
export {
  REDACTED,
  createScrubber,
  redactConfig,
  redactUrl,
  SECRET_PARAMS,
  secretsOf,
  urlPassword,
  type Secret,
} from './redact';
export { configReference } from './reference';
export { ConfigSchema, LOG_LEVELS, VENUE_NAMES, type ConfigInput, type LogLevel } from './schema';
export { instrumentIdProblem, type VenueName } from './venues';
export { redisConnectionSettings, type RedisConnectionSettings } from './redisConnection';
export { BackfillSchema, HISTORY_PROVIDER_NAMES, type BackfillConfig, type BackfillRule } from './backfill';
