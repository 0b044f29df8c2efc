import type { Bar } from '@tickline/core';
import { isProviderError, ProviderError, type GateStatus } from '@tickline/providers';
import type { Adjustment, BarHistory, HistoryProviderName, HistoryRequest, RejectedBar } from '../barHistory';
import { effectiveAdjustment } from '../barSource';
import { matchRule, type ProviderRule } from './providerRules';

/** A provider with the gate the router asks whether its breaker is open. */
export interface RoutedProvider {
  history: BarHistory;
  status(): GateStatus;
}

/** One provider tried for a range, and how it went (for logs and metrics). */
export interface ProviderAttempt {
  provider: HistoryProviderName;
  outcome: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or how it failed. */
  reason?: string;
  bars: number;
  elapsedMs: number;
}

export interface RangeResult {
  /** Oldest first; each bar's `source` says which provider and adjustment made it. */
  bars: Bar[];
  rejected: (RejectedBar & { provider: HistoryProviderName })[];
  attempts: ProviderAttempt[];
  adjustment: Adjustment;
}

export interface RangeRequest extends Omit<HistoryRequest, 'cursor' | 'adjustment'> {
  /** Only this provider (the operator's `--provider`); otherwise the rule's failover list. */
  provider?: HistoryProviderName;
  /** Overrides the rule's adjustment. */
  adjustment?: Adjustment;
}

export interface HistoryRouterOptions {
  providers: Partial<Record<HistoryProviderName, RoutedProvider>>;
  rules: readonly ProviderRule[];
  /** Told about every attempt as it ends (metrics: provider chosen, failovers). */
  onAttempt?: (attempt: ProviderAttempt, request: RangeRequest) => void;
  now?: () => number;
}

/** The plan for a request: the adjustment and, in order, the providers that can serve it. */
export interface RoutePlan {
  adjustment: Adjustment;
  candidates: HistoryProviderName[];
  /** Providers of the rule left out, and why (unsupported, not configured). */
  excluded: { provider: HistoryProviderName; reason: string }[];
}

/**
 * Provider selection with failover. A rule (asset class × timeframe) gives an ordered list; a
 * provider whose breaker is open is skipped, and one that fails mid-range hands the rest of the range
 * to the next, resuming after the last bar already fetched. Every bar keeps its provider in `source`.
 */
export class HistoryRouter {
  private readonly now: () => number;

  constructor(private readonly options: HistoryRouterOptions) {
    this.now = options.now ?? Date.now;
  }

  plan(request: RangeRequest): RoutePlan {
    const { assetClass } = request.instrument;
    const rule = matchRule(this.options.rules, assetClass, request.timeframe);
    const adjustment = effectiveAdjustment(assetClass, request.adjustment ?? rule?.adjustment);
    const names = request.provider ? [request.provider] : (rule?.providers ?? []);
    const candidates: HistoryProviderName[] = [];
    const excluded: RoutePlan['excluded'] = [];
    for (const name of names) {
      const provider = this.options.providers[name];
      if (!provider) excluded.push({ provider: name, reason: 'not configured' });
      else if (!provider.history.supports({ assetClass, timeframe: request.timeframe, adjustment })) {
        excluded.push({
          provider: name,
          reason: `no ${adjustment} ${request.timeframe} bars for ${assetClass}`,
        });
      } else candidates.push(name);
    }
    return { adjustment, candidates, excluded };
  }

  /** The span one request of the first available provider covers: the job layer's chunk size. */
  chunkMs(request: RangeRequest): number | undefined {
    const name = this.plan(request).candidates.find(
      (n) => this.options.providers[n]!.status().breaker !== 'open',
    );
    return name === undefined
      ? undefined
      : this.options.providers[name]!.history.maxSpanMs(request.timeframe);
  }

  /** Fetches every bar of [from, to), failing over between providers; throws when none could finish it. */
  async fetchRange(request: RangeRequest, signal?: AbortSignal): Promise<RangeResult> {
    const plan = this.plan(request);
    const result: RangeResult = { bars: [], rejected: [], attempts: [], adjustment: plan.adjustment };
    const errors: ProviderError[] = [];
    let from = request.from;
    for (const name of plan.candidates) {
      const provider = this.options.providers[name]!;
      if (provider.status().breaker === 'open') {
        this.record(result, request, {
          provider: name,
          outcome: 'skipped',
          reason: 'circuit breaker open',
          bars: 0,
          elapsedMs: 0,
        });
        continue;
      }
      const started = this.now();
      const before = result.bars.length;
      try {
        await this.drain(provider.history, { ...request, from, adjustment: plan.adjustment }, result, signal);
        this.record(result, request, {
          provider: name,
          outcome: 'ok',
          bars: result.bars.length - before,
          elapsedMs: this.now() - started,
        });
        return result;
      } catch (error) {
        if (signal?.aborted) throw error;
        const providerError = asProviderError(name, error);
        errors.push(providerError);
        // The next provider resumes after the last bar fetched (pages come oldest first).
        if (result.bars.length > 0) from = result.bars.at(-1)!.start + 1;
        this.record(result, request, {
          provider: name,
          outcome: 'failed',
          reason: providerError.message,
          bars: result.bars.length - before,
          elapsedMs: this.now() - started,
        });
      }
    }
    throw exhausted(request, plan, errors);
  }

  private async drain(
    history: BarHistory,
    request: HistoryRequest,
    result: RangeResult,
    signal?: AbortSignal,
  ): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await history.fetchPage({ ...request, cursor }, signal);
      result.bars.push(...page.bars);
      result.rejected.push(...page.rejected.map((r) => ({ ...r, provider: history.name })));
      cursor = page.next;
    } while (cursor !== undefined);
  }

  private record(result: RangeResult, request: RangeRequest, attempt: ProviderAttempt): void {
    result.attempts.push(attempt);
    this.options.onAttempt?.(attempt, request);
  }
}

function asProviderError(provider: string, error: unknown): ProviderError {
  if (isProviderError(error)) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new ProviderError('BAD_RESPONSE', `${provider}: ${why}`, { provider, cause: error });
}

function exhausted(request: RangeRequest, plan: RoutePlan, errors: ProviderError[]): ProviderError {
  const what = `${request.instrument.venue}:${request.instrument.symbol} ${request.timeframe} [${new Date(request.from).toISOString()}, ${new Date(request.to).toISOString()})`;
  if (plan.candidates.length === 0) {
    const why = plan.excluded.map((e) => `${e.provider}: ${e.reason}`).join('; ') || 'no rule matches';
    return new ProviderError('REQUEST_REJECTED', `no history provider can serve ${what} (${why})`);
  }
  const retryable = errors.some((e) => e.retryable);
  const waits = errors.map((e) => e.retryAfterMs).filter((ms): ms is number => ms !== undefined);
  const detail = errors.map((e) => e.message).join(' | ');
  return new ProviderError(
    retryable ? 'NO_PROVIDER' : 'REQUEST_REJECTED',
    `every provider failed for ${what}: ${detail}`,
    {
      retryAfterMs: waits.length > 0 ? Math.min(...waits) : undefined,
    },
  );
}
