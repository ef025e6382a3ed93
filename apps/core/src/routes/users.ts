/** The caller's balance, charges, history and refunds (identity only). */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  Balance,
  ChargeRequest,
  ChargeResponse,
  IdempotencyHeaders,
  PaymentHistory,
  PaymentParams,
  Refund,
  ReservationList,
} from '@rushgate/shared'
import { charge, getBalance } from '../domain/balance.ts'
import { listReservations } from '../domain/holds.ts'
import { runIdempotent } from '../domain/idempotency.ts'
import { listPayments, refund } from '../domain/payments.ts'
import { requireUser } from '../plugins/identity.ts'
import { errors, idempotencyScope, sendOutcome } from './common.ts'

export async function userRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { db, pool } = app.database
  app.addHook('onRequest', requireUser)

  app.get('/api/users/me/balance', { schema: { response: { 200: Balance, ...errors() } } }, (request) =>
    getBalance(db, request.userId),
  )

  app.post(
    '/api/users/me/balance/charges',
    {
      config: { outcome: 'charges' },
      schema: {
        headers: IdempotencyHeaders,
        body: ChargeRequest,
        response: { 201: ChargeResponse, ...errors(400, 409, 422) },
      },
    },
    async (request, reply) => {
      const input = { userId: request.userId, amount: request.body.amount }
      const outcome = await runIdempotent(pool, idempotencyScope(request), (tx) => charge(tx, input))
      return sendOutcome(reply as FastifyReply, outcome)
    },
  )

  app.get('/api/users/me/reservations', { schema: { response: { 200: ReservationList, ...errors() } } }, (request) =>
    listReservations(db, request.userId),
  )

  app.get('/api/users/me/payments', { schema: { response: { 200: PaymentHistory, ...errors() } } }, (request) =>
    listPayments(db, request.userId),
  )

  app.post(
    '/api/users/me/payments/:paymentId/refund',
    {
      config: { outcome: 'refunds' },
      schema: { params: PaymentParams, headers: IdempotencyHeaders, response: { 200: Refund, ...errors(400, 404, 409, 422) } },
    },
    async (request, reply) => {
      const input = { userId: request.userId, paymentId: request.params.paymentId }
      const outcome = await runIdempotent(pool, idempotencyScope(request), (tx) => refund(tx, input))
      return sendOutcome(reply as FastifyReply, outcome)
    },
  )
}
