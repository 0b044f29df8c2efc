// `tickline backfill` queues requests for the backfill workers and reads their progress: the backfill
// service's queue functions, without the service registry (which loads every service). Like
// serviceRegistry.ts, a composition-root file that may import a service (eslint.config.js exempts it).
export {
  BackfillQueues,
  bullConnection,
  enqueueBackfill,
  listRequests,
  requestProgress,
  type RequestProgress,
} from '@tickline/backfill-service';
