export { createMonitorService, type MonitorOptions } from './monitorService';
export { PIPELINE_METRIC_NAMES, registerPipelineMetrics } from './pipelineMetrics';
export {
  diskSpace,
  parseRedisMemory,
  readResources,
  type DiskSpace,
  type RedisMemory,
  type ResourceReport,
} from './resourceReport';
