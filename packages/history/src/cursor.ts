import { ProviderError } from '@tickline/providers';
import type { HistoryRequest } from './barHistory';

/** A time cursor (epoch ms as text) or the request's start; a foreign cursor is a clear error. */
export function readCursor(request: HistoryRequest, provider: string): number {
  checkRange(request, provider);
  if (request.cursor === undefined) return request.from;
  const value = Number(request.cursor);
  if (!Number.isSafeInteger(value) || value < request.from || value >= request.to) {
    throw new ProviderError(
      'INVALID_OPTIONS',
      `${provider}: cursor ${JSON.stringify(request.cursor)} is not a time within the requested range`,
      { provider },
    );
  }
  return value;
}

/** Rejects a range no provider could serve, naming the provider and the values. */
export function checkRange(request: HistoryRequest, provider: string): void {
  const { from, to } = request;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from >= to) {
    throw new ProviderError(
      'INVALID_OPTIONS',
      `${provider}: history range must be whole epoch ms with from < to, got from=${String(from)} to=${String(to)}`,
      { provider },
    );
  }
}
