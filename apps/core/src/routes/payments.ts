/** Paying held seats; idempotent with Idempotency-Key. */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ConcertParams, IdempotencyHeaders, Payment, PaymentRequest } from '@rushgate/shared'
import { runIdempotent } from '../domain/idempotency.ts'
import { pay } from '../domain/payments.ts'
import { requireUser } from '../plugins/identity.ts'
import { errors, idempotencyScope, sendOutcome } from './common.ts'

export async function paymentRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { pool } = app.database
  const { maxHoldsPerUser } = app.config

  app.post(
    '/api/concerts/:concertId/payments',
    {
      onRequest: requireUser,
      config: { outcome: 'payments' },
      schema: {
        params: ConcertParams,
        headers: IdempotencyHeaders,
        body: PaymentRequest,
        response: { 200: Payment, 201: Payment, ...errors(400, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const input = { userId: request.userId, concertId: request.params.concertId, ...request.body }
      const outcome = await runIdempotent(pool, idempotencyScope(request), (tx) => pay(tx, maxHoldsPerUser, input))
      return sendOutcome(reply as FastifyReply, outcome)
    },
  )
}
