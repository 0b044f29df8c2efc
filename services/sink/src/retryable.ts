import { StorageError } from '@tickline/storage';

// Node socket errors and PostgreSQL SQLSTATE classes that mean "the server is away or busy", not "this
// batch is wrong": 08 connection exception, 53 insufficient resources, 57 operator intervention
// (admin shutdown, cannot connect now), 40 transaction rollback (serialization, deadlock).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
const TRANSIENT_SQLSTATE = /^(08|53|57|40)/;
const TRANSIENT_MESSAGE =
  /connection terminated|connection timeout|timeout expired|server closed the connection|ECONNREFUSED/i;

/**
 * Whether a failed store write may succeed later unchanged: then the sink keeps the batch and retries
 * (holding its stream position) instead of letting the consumer count attempts towards the DLQ.
 * StorageErrors say so themselves; anything else from the database is transient unless PostgreSQL
 * rejected the data or the statement (SQLSTATE classes 22, 23, 42: a poison batch).
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof StorageError) return error.retryable;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || TRANSIENT_SQLSTATE.test(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return false;
  }
  return TRANSIENT_MESSAGE.test(error instanceof Error ? error.message : String(error));
}
