/**
 * `@fastify/rate-limit` on the shared Redis, so all replicas count together: RATE_LIMIT_PER_MINUTE
 * per user, per IP for requests without identity. Health, metrics and docs are exempt. If Redis
 * is down the limiter steps aside (`skipOnError`) and the routes themselves answer 503.
 */
import fastifyRateLimit from '@fastify/rate-limit'
import { ApiError } from '@rushgate/shared'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { GatewayConfig } from '../config.ts'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'

const EXEMPT = /^\/(health|metrics|docs)(\/|\?|$)/

export async function installRateLimit(
  app: FastifyInstance,
  config: GatewayConfig,
  redis: RedisClient,
  keys: RedisKeys,
): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: true,
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    redis: redis as never,
    nameSpace: keys.rateLimit,
    skipOnError: true,
    allowList: (request: FastifyRequest) => EXEMPT.test(request.url),
    keyGenerator: (request: FastifyRequest) => (request.callerId ? `u:${request.callerId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new ApiError('RATE_LIMITED', `more than ${context.max} requests per minute; retry in ${context.after}`),
  })
}
