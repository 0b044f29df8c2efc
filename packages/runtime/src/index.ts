export { startApp, type App, type AppOptions } from './app';
export { startHealthServer, type HealthServer, type ReadinessReport } from './healthServer';
export { createLogger, redactPaths, type Logger, type LoggerOptions } from './logger';
export { runServices, type ProcessLike, type RunOptions } from './main';
export { createMetricsRegistry, METRIC_PREFIX } from './metrics';
export { describeError, RuntimeError, type RuntimeErrorCode } from './runtimeError';
export {
  defineService,
  type ReadinessCheck,
  type RunningService,
  type ServiceContext,
  type ServiceDefinition,
} from './service';
