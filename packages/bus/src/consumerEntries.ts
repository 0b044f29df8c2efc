import { decodeAny, recordsOf } from './codec';
import { type ConsumedEntry } from './consumerTypes';

/** An entry as XREADGROUP returned it; `fields` is undefined when the entry was deleted (trimmed). */
export interface RawEntry {
  readonly stream: string;
  readonly id: string;
  readonly fields: ReadonlyMap<string, Buffer> | undefined;
}

type FieldList = Buffer[] | null;
type StreamReply = [Buffer, [Buffer, FieldList][]][] | null;

/** Flattens an XREADGROUP reply (Buffer variant) into entries, stream by stream, in id order. */
export function parseReadReply(reply: unknown): RawEntry[] {
  const out: RawEntry[] = [];
  for (const [streamKey, entries] of (reply as StreamReply) ?? []) {
    const stream = streamKey.toString();
    for (const [id, list] of entries) {
      out.push({ stream, id: id.toString(), fields: list ? fieldMap(list) : undefined });
    }
  }
  return out;
}

export function fieldMap(list: Buffer[]): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < list.length; i += 2) fields.set(list[i]!.toString(), list[i + 1]!);
  return fields;
}

export type DecodeResult =
  | { readonly ok: true; readonly entry: ConsumedEntry }
  | { readonly ok: false; readonly reason: string; readonly payload: Buffer };

/** Decodes field `d` into records; checks `n` (record count) and `v` when present. */
export function decodeEntry(raw: RawEntry, deliveries: number): DecodeResult {
  const payload = raw.fields?.get('d');
  if (!payload) return { ok: false, reason: 'entry has no field d', payload: Buffer.alloc(0) };
  let records: unknown[];
  try {
    records = recordsOf(decodeAny(payload));
  } catch (error) {
    return { ok: false, reason: `undecodable field d: ${messageOf(error)}`, payload };
  }
  const version = optionalNumber(raw.fields?.get('v'));
  const count = optionalNumber(raw.fields?.get('n'));
  if (Number.isNaN(version) || Number.isNaN(count)) {
    return { ok: false, reason: 'field v or n is not a number', payload };
  }
  if (count !== undefined && count !== records.length) {
    return { ok: false, reason: `field n says ${count} records, d holds ${records.length}`, payload };
  }
  return {
    ok: true,
    entry: { stream: raw.stream, id: raw.id, version, records, payload, deliveries },
  };
}

function optionalNumber(bytes: Buffer | undefined): number | undefined {
  return bytes === undefined ? undefined : Number(bytes.toString());
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
