import type { z } from 'zod';
import { FundamentalsError } from './fundamentalsError';

/** `value` validated by `schema`, or BAD_RESPONSE naming the provider, the place and each issue's path. */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  provider: string,
  where: string,
): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
  throw new FundamentalsError('BAD_RESPONSE', `${provider}: ${where}: ${why}`, provider);
}
