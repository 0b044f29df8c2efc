export * from './refreshSchedule';
export * from './refreshJobs';
export * from './fundamentalsRefreshService';
