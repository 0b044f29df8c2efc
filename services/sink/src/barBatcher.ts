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
}

interface Part {
  readonly bars: readonly Bar[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Gathers the bars of several consumers (one per instrument) into batches by size and time, so one
 * database round trip carries many instruments. `add` resolves when the caller's bars committed and
 * rejects when their batch failed; one batch is written at a time, the next gathering meanwhile.
 */
export class BarBatcher {
  private parts: Part[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

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
    this.chain = this.chain.then(() => this.writeParts(parts));
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
