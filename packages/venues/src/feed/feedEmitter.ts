import type { FeedEvent, FeedListener } from './feedEvents';

/**
 * Synchronous fan-out to listeners. A listener that throws is reported to `onListenerError` and
 * never breaks the feed or the other listeners.
 */
export class FeedEmitter {
  private readonly listeners = new Set<FeedListener>();

  constructor(private readonly onListenerError: (error: unknown, event: FeedEvent) => void) {}

  add(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: FeedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
