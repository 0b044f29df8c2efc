// @tickline/providers: what every REST data provider shares — coded errors, a request helper that
// never leaks keys, a rate limit shared through Redis by every process, circuit breakers and health.

export {
  ProviderError,
  isProviderError,
  type ProviderErrorCode,
  type ProviderErrorDetails,
} from './providerError';
export { REDACTED, redactUrl, redactSecrets, secretParamValues } from './redactUrl';
export { parseRetryAfter } from './retryAfter';
export { httpGet, parseJson, type HttpReply, type HttpRequestOptions } from './httpRequest';
export { validateRules, type RateLimitRule } from './rateLimitRule';
export {
  RedisRateLimiter,
  apiKeyId,
  type Grant,
  type RedisRateLimiterOptions,
  type UsageReport,
} from './redisRateLimiter';
export { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuitBreaker';
export {
  ProviderHealth,
  type CallOutcome,
  type HealthSnapshot,
  type ProviderHealthOptions,
} from './providerHealth';
export { ProviderGate, type GateStatus, type ProviderGateOptions } from './providerGate';
