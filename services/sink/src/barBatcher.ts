import type { Bar } from '@tickline/core';

export interface BarBatcherOptions {
  /** Writes one batch; resolves once it committed everywhere. */
  readonly write: (bars: readonly Bar[]) => Promise<void>;
  /** A batch is written once it holds this many bars. */
  readonly maxBars: number;
  /** ...or once its first bar waited this long. */
  readonly lingerMs: number;
  /** ...or once this many callers wait on it (every consumer contributed: nobody else can add). */
  readonly participants: number;
  /**
   * Batches written at the same time. Default 1. Safe above 1 for the sink: a caller (one consumer, one
   * instrument) waits for its part to commit before it adds again, so batches in flight together hold
   * different instruments, hence different keys and files.
   */
  readonly maxInFlight?: number;
}

interface Part {
  readonly bars: readonly Bar[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Gathers the bars of several consumers (one per instrument) into batches by size and time, so one
 * database round trip carries many instruments. `add` resolves when the caller's bars committed and
 * rejects when their batch failed; up to `maxInFlight` batches are written at a time, the next gathering
 * meanwhile (so decoding the next entries overlaps the database's work on the last ones).
 */
export class BarBatcher {
  private parts: Part[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: (readonly Part[])[] = [];
  private inFlight = 0;

  constructor(private readonly options: BarBatcherOptions) {}

  add(bars: readonly Bar[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.parts.push({ bars, resolve, reject });
      this.size += bars.length;
      if (this.size >= this.options.maxBars || this.parts.length >= this.options.participants) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.lingerMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const parts = this.parts;
    this.parts = [];
    this.size = 0;
    if (parts.length === 0) return;
    this.queue.push(parts);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < (this.options.maxInFlight ?? 1) && this.queue.length > 0) {
      const parts = this.queue.shift()!;
      this.inFlight++;
      void this.writeParts(parts).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async writeParts(parts: readonly Part[]): Promise<void> {
    try {
      await this.options.write(parts.flatMap((part) => part.bars));
      for (const part of parts) part.resolve();
    } catch (error) {
      for (const part of parts) part.reject(error);
    }
  }
}
