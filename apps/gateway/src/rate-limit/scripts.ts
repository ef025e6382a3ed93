/** The rate limiter's Lua script (./scripts/rate-limit-1.lua), typed. */
import { defineScripts } from '../redis/scripts.ts'

export interface RateLimitScripts {
  /** Adds a batch of (caller, requests) to a window's hash; answers the callers' new counts. */
  rgRateLimit(...args: (string | number)[]): Promise<number[]>
}

export const withRateLimitScripts = defineScripts<RateLimitScripts>(new URL('./scripts/', import.meta.url))
