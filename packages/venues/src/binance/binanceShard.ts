import { WsConnection, type WsCloseInfo } from '../feed/wsConnection';
import type { ResolvedBinanceFeedOptions } from './binanceFeedOptions';
import type { RequestId } from './binanceMessages';
import { parseStreamName } from './binanceSymbols';

/** One socket of a shard. Two exist only while a rotation overlaps them. */
export interface ShardSlot {
  readonly name: string;
  readonly connection: WsConnection;
}

interface SlotState extends ShardSlot {
  /** What the server has, or will have once our queued requests land. */
  requested: Set<string>;
  urlStreams: string[];
  pending: Map<number, { method: 'SUBSCRIBE' | 'UNSUBSCRIBE'; streams: string[] }>;
  retiring: boolean;
  timers: NodeJS.Timeout[];
}

export interface ShardHandlers {
  open(shard: BinanceShard, slot: ShardSlot, at: number, url: string): void;
  message(shard: BinanceShard, slot: ShardSlot, text: string, recvTs: number): void;
  /** `covered`: another socket of the shard is open, so nothing was missed. */
  close(shard: BinanceShard, slot: ShardSlot, info: WsCloseInfo, covered: boolean): void;
  /** The server confirmed these streams are gone: no more frames will come for them. */
  unsubscribed(streams: string[]): void;
}

/**
 * The streams of one Binance connection (at most `maxStreamsPerConnection`) and the socket(s)
 * carrying them. Keeps the server's subscriptions equal to the wanted list with coalesced
 * SUBSCRIBE / UNSUBSCRIBE messages, rate-limited by the connection; reconnects with the current
 * list in the URL; rotates to a fresh socket before Binance's 24 h cut-off, overlapping the two.
 */
export class BinanceShard {
  private wanted: string[];
  private readonly slots: SlotState[] = [];
  private slotCount = 0;
  private requestId = 0;
  private stopped = false;
  lastDataAt: number | undefined;

  constructor(
    readonly id: number,
    streams: readonly string[],
    private readonly options: ResolvedBinanceFeedOptions,
    private readonly handlers: ShardHandlers,
  ) {
    this.wanted = [...streams];
  }

  get streams(): readonly string[] {
    return this.wanted;
  }

  get symbols(): string[] {
    return [...new Set(this.wanted.map((s) => parseStreamName(s)?.symbol ?? s))];
  }

  start(): void {
    this.addSlot();
  }

  setStreams(streams: readonly string[]): void {
    this.wanted = [...streams];
    for (const slot of this.slots) slot.connection.requestSend(() => this.compose(slot));
  }

  /** Opens a successor socket; the old one closes `rotationOverlapMs` after the successor opens. */
  rotate(slot: ShardSlot): void {
    const state = this.slots.find((s) => s === slot);
    if (this.stopped || state === undefined || state.retiring || this.slots.length > 1) return;
    state.retiring = true;
    this.addSlot();
  }

  /** A `{"result":..,"id":..}` arrived; returns the request it answers, for error messages. */
  settle(slot: ShardSlot, id: RequestId, ok: boolean): { method: string; streams: string[] } | undefined {
    const state = this.slots.find((s) => s === slot);
    if (state === undefined || typeof id !== 'number') return undefined;
    const request = state.pending.get(id);
    state.pending.delete(id);
    if (ok && request?.method === 'UNSUBSCRIBE') this.handlers.unsubscribed(request.streams);
    return request;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.slots].map((slot) => this.retire(slot)));
  }

  private addSlot(): void {
    const name = `binance#${this.id}.${++this.slotCount}`;
    const slot: SlotState = {
      name,
      requested: new Set(),
      urlStreams: [],
      pending: new Map(),
      retiring: false,
      timers: [],
      connection: new WsConnection(
        {
          name,
          url: () => this.url(slot),
          backoff: this.options.backoff,
          watchdog: this.options.watchdog,
          controlIntervalMs: this.options.controlIntervalMs,
          connectTimeoutMs: this.options.connectTimeoutMs,
          now: this.options.now,
          random: this.options.random,
        },
        {
          open: (at, url) => this.onOpen(slot, at, url),
          message: (text, recvTs) => this.handlers.message(this, slot, text, recvTs),
          close: (info) => this.onClose(slot, info),
        },
      ),
    };
    this.slots.push(slot);
    slot.connection.start();
  }

  private url(slot: SlotState): string {
    slot.urlStreams = this.wanted.slice(0, this.options.maxUrlStreams);
    return `${this.options.wsUrl}/stream?streams=${slot.urlStreams.join('/')}`;
  }

  private onOpen(slot: SlotState, at: number, url: string): void {
    slot.requested = new Set(slot.urlStreams);
    slot.pending.clear();
    slot.timers.push(setTimeout(() => this.rotate(slot), this.options.rotateAfterMs));
    for (const other of this.slots) {
      if (other !== slot && other.retiring) {
        other.timers.push(setTimeout(() => void this.retire(other), this.options.rotationOverlapMs));
      }
    }
    this.handlers.open(this, slot, at, url);
    slot.connection.requestSend(() => this.compose(slot));
  }

  private onClose(slot: SlotState, info: WsCloseInfo): void {
    this.clearTimers(slot);
    const others = this.slots.filter((s) => s !== slot);
    const covered = others.some((s) => s.connection.isOpen);
    if (!info.planned && others.length > 0) {
      // Another socket of this shard carries on (or is being opened): this one is redundant.
      void this.retire(slot);
    }
    this.handlers.close(this, slot, info, covered);
  }

  private async retire(slot: SlotState): Promise<void> {
    this.clearTimers(slot);
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    await slot.connection.stop();
  }

  /** The next control message this socket needs, or nothing: removals first, then additions. */
  private compose(slot: SlotState): string | undefined {
    const wanted = new Set(this.wanted);
    const remove = [...slot.requested].filter((s) => !wanted.has(s));
    const add = this.wanted.filter((s) => !slot.requested.has(s));
    const method = remove.length > 0 ? 'UNSUBSCRIBE' : add.length > 0 ? 'SUBSCRIBE' : undefined;
    if (method === undefined) return undefined;
    const streams = (method === 'UNSUBSCRIBE' ? remove : add).slice(0, this.options.maxParamsPerRequest);
    for (const s of streams) {
      if (method === 'UNSUBSCRIBE') slot.requested.delete(s);
      else slot.requested.add(s);
    }
    const id = ++this.requestId;
    slot.pending.set(id, { method, streams });
    return JSON.stringify({ method, params: streams, id });
  }

  private clearTimers(slot: SlotState): void {
    for (const timer of slot.timers) clearTimeout(timer);
    slot.timers = [];
  }
}
