/** Liveness (the process answers) and readiness (Postgres answers too). */
import { ApiError, Health } from '@rushgate/shared'
import type { FastifyInstance } from 'fastify'

export function installHealth(app: FastifyInstance): void {
  app.get('/health/live', { config: { public: true }, schema: { response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
  }))

  app.get('/health/ready', { config: { public: true } }, async (_request, reply) => {
    try {
      await app.database.pool.query('select 1')
      return { status: 'ok', checks: { postgres: 'ok' } }
    } catch {
      const body = new ApiError('UPSTREAM_UNAVAILABLE', 'postgres is unreachable').toBody()
      return reply.code(503).send({ ...body, status: 'unavailable', checks: { postgres: 'down' } })
    }
  })
}
