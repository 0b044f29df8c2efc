import type { Job } from 'bullmq';
import type { BackfillQueues } from './backfillQueues';
import type { ChunkResult } from './chunkProcessor';
import type { RequestJobData } from './enqueueBackfill';

/** Where a request stands, read from its parent job and the results its chunks left there. */
export interface RequestProgress {
  id: string;
  /** queued: no chunk done yet; running: some done; completed; failed. */
  state: 'queued' | 'running' | 'completed' | 'failed';
  request: RequestJobData['request'];
  chunks: number;
  chunksDone: number;
  rows: number;
  expectedBars: number;
  /** Sources (provider:adjustment) of the rows so far. */
  sources: string[];
  createdAt: number;
  finishedAt?: number;
  failedReason?: string;
}

/** The progress of request `id`, or undefined when there is no such request (or it was removed). */
export async function requestProgress(
  queues: BackfillQueues,
  id: string,
): Promise<RequestProgress | undefined> {
  const job = (await queues.requests.getJob(id)) as Job<RequestJobData> | undefined;
  return job === undefined ? undefined : progressOf(job, queues);
}

/** Requests by state, newest first, at most `limit` per state. */
export async function listRequests(
  queues: BackfillQueues,
  states: readonly RequestProgress['state'][],
  limit = 20,
): Promise<RequestProgress[]> {
  const bull = new Set<'waiting-children' | 'active' | 'waiting' | 'completed' | 'failed'>();
  for (const state of states) {
    if (state === 'queued' || state === 'running')
      ['waiting-children', 'active', 'waiting'].forEach((s) => bull.add(s as never));
    else bull.add(state);
  }
  const jobs = (await queues.requests.getJobs([...bull], 0, limit * 3, false)) as Job<RequestJobData>[];
  const all = await Promise.all(jobs.map((job) => progressOf(job, queues)));
  return states.flatMap((state) => all.filter((p) => p.state === state).slice(0, limit));
}

async function progressOf(job: Job<RequestJobData>, queues: BackfillQueues): Promise<RequestProgress> {
  const values = Object.values(await job.getChildrenValues<ChunkResult>());
  const bullState = await job.getState();
  const done = values.length;
  const state =
    bullState === 'completed'
      ? 'completed'
      : bullState === 'failed'
        ? 'failed'
        : done > 0
          ? 'running'
          : 'queued';
  return {
    id: job.id!,
    state,
    request: job.data.request,
    chunks: job.data.chunks,
    chunksDone: bullState === 'completed' ? job.data.chunks : done,
    rows: values.reduce((sum, v) => sum + v.bars, 0),
    expectedBars: job.data.expectedBars,
    sources: [...new Set(values.flatMap((v) => v.sources))].sort(),
    createdAt: job.data.createdAt,
    ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
    ...(job.failedReason ? { failedReason: await failureOf(job.failedReason, queues) } : {}),
  };
}

/** BullMQ says only "child <key> failed" on the parent: quote the chunk's own reason instead. */
async function failureOf(reason: string, queues: BackfillQueues): Promise<string> {
  const child = /:backfill-chunks:(\S+) failed/.exec(reason)?.[1];
  const chunk = child === undefined ? undefined : await queues.chunks.getJob(child);
  return chunk?.failedReason || reason;
}
