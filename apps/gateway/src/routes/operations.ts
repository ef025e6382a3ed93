/** /health/live, /health/ready (Redis and the core, short timeouts) and /metrics. */
import { ApiError, Health } from '@rushgate/shared'
import { errorResponses } from '@rushgate/shared/fastify'
import type { FastifyInstance } from 'fastify'
import { Cluster } from 'ioredis'
import type { GatewayContext } from '../context.ts'

const CHECK_TIMEOUT_MS = 1000

export async function operationsRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { core, metrics } = ctx

  app.get(
    '/health/live',
    { schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Health } } },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'A writable Redis primary and the core are reachable (503 otherwise)',
        response: { 200: Health, ...errorResponses(503) },
      },
    },
    async () => {
      if (ctx.lifecycle.draining) {
        throw new ApiError('UPSTREAM_UNAVAILABLE', 'not ready: shutting down', { status: 'unavailable' })
      }
      const [redisOk, coreOk] = await Promise.all([pingRedis(ctx), core.ready(CHECK_TIMEOUT_MS)])
      const checks = { redis: redisOk ? 'ok' : 'down', core: coreOk ? 'ok' : 'down' } as const
      if (redisOk && coreOk) return { status: 'ok' as const, checks }
      const down = Object.entries(checks)
        .filter(([, v]) => v === 'down')
        .map(([k]) => k)
      throw new ApiError('UPSTREAM_UNAVAILABLE', `not ready: ${down.join(' and ')} unreachable`, {
        status: 'unavailable',
        checks,
      })
    },
  )

  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    const text = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(text)
  })

}

/**
 * Redis is ready when a writable primary answers: a cluster's PING (it routes to a primary), or ROLE
 * naming a master (a node that Sentinel demoted, or a replica, is not ready).
 */
async function pingRedis({ redis }: GatewayContext): Promise<boolean> {
  try {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref())
    if (redis instanceof Cluster) return (await Promise.race([redis.ping(), timeout])) === 'PONG'
    const role = (await Promise.race([redis.call('ROLE'), timeout])) as unknown[]
    return role[0] === 'master'
  } catch {
    return false
  }
}
