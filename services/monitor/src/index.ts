export { createMonitorService, type MonitorOptions } from './monitorService';
export { PIPELINE_METRIC_NAMES, registerPipelineMetrics } from './pipelineMetrics';
