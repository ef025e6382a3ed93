/**
 * `@fastify/rate-limit` counting in the shared Redis, so all replicas count together:
 * RATE_LIMIT_PER_MINUTE per user, per IP for requests without identity. Health, metrics and docs
 * are exempt. The store (./store.ts) batches its Redis writes off the request path;
 * if Redis is down the limiter keeps counting locally and the routes themselves answer 503.
 */
import fastifyRateLimit from '@fastify/rate-limit'
import { ApiError } from '@rushgate/shared'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { GatewayConfig } from '../config.ts'
import type { RedisKeys } from '../redis/keys.ts'
import type { RateLimitScripts } from './scripts.ts'
import { sharedRateLimitStore } from './store.ts'

const EXEMPT = /^\/(health|metrics|docs)(\/|$)/

export async function installRateLimit(
  app: FastifyInstance,
  config: GatewayConfig,
  redis: RateLimitScripts,
  keys: RedisKeys,
): Promise<void> {
  let lastWarned = 0
  // Exempt routes get no limiter hook at all (the plugin skips routes with `rateLimit: false`),
  // rather than an allowList the limiter would await on every request. Added before the plugin,
  // so this onRoute hook runs before the plugin's.
  app.addHook('onRoute', (route) => {
    if (EXEMPT.test(route.url)) route.config = { ...route.config, rateLimit: false }
  })
  await app.register(fastifyRateLimit, {
    global: true,
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    store: sharedRateLimitStore({
      redis,
      windowKey: (window) => keys.rateLimitWindow(window),
      onError: (err) => {
        // One line per 5 s, not one per flush, while Redis is away.
        if (Date.now() - lastWarned < 5000) return
        lastWarned = Date.now()
        app.log.warn({ err: err.message }, 'rate-limit counts not shared (redis)')
      },
    }) as never,
    skipOnError: true,
    // No X-RateLimit-* on the answers that pass: three headers on every response of the rush for
    // figures that, with the batched store, are only this replica's estimate. A 429 still carries
    // them and Retry-After (the contract asks for the latter).
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    keyGenerator: (request: FastifyRequest) => (request.callerId ? `u:${request.callerId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new ApiError('RATE_LIMITED', `more than ${context.max} requests per minute; retry in ${context.after}`),
  })
}
