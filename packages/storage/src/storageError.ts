/** Every error storage throws carries one of these codes, so callers can branch without parsing messages. */
export type StorageErrorCode =
  | 'MIGRATION_FAILED'
  | 'INVALID_BAR'
  | 'INVALID_QUERY'
  | 'QUERY_FAILED'
  | 'CACHE_DISK_FULL'
  | 'CACHE_LOCKED'
  | 'CACHE_CORRUPT'
  | 'CACHE_SOURCE_MISMATCH'
  | 'CACHE_BAD_PATH'
  | 'CACHE_SYMLINK'
  | 'CACHE_WRITE_FAILED';

/** Codes a caller may retry after a while (the condition can clear without a code change). */
const RETRYABLE: ReadonlySet<StorageErrorCode> = new Set(['CACHE_DISK_FULL', 'CACHE_LOCKED']);

/** A storage failure. The message names the table or file involved and what to do about it. */
export class StorageError extends Error {
  override readonly name = 'StorageError';

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}
