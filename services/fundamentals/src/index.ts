export * from './refreshSchedule';
export * from './refreshJobs';
