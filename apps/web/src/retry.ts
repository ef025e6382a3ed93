/**
 * When to ask again after a failed request. A 429 says how long to wait (`Retry-After`); a 503, a
 * timeout or a lost connection gets exponential backoff with jitter, so that a crowd of waiting pages
 * does not come back at the gateway in step. Anything else is not worth repeating.
 */
import { ApiFailure } from './api.ts'

const BASE_MS = 1000
const MAX_MS = 30_000
const TRANSIENT = new Set(['UPSTREAM_UNAVAILABLE', 'INTERNAL_ERROR', 'REQUEST_TIMEOUT'])

export function backoff(attempt: number): number {
  const ceiling = Math.min(MAX_MS, BASE_MS * 2 ** attempt)
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}

/** Milliseconds to wait before trying again, or null when trying again would not help. */
export function retryDelay(error: unknown, attempt: number): number | null {
  if (!(error instanceof ApiFailure)) return null
  if (error.code === 'RATE_LIMITED') return Math.max(error.retryAfterMs ?? 0, backoff(attempt))
  if (TRANSIENT.has(error.code) || error.status >= 500 || error.status === 0) return backoff(attempt)
  return null
}
