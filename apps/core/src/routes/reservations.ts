/** Holding and releasing seats. */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ConcertParams, HoldRequest, Reservation, ReservationParams } from '@rushgate/shared'
import Type from 'typebox'
import * as holds from '../domain/holds.ts'
import { activeUntil, requireUser } from '../plugins/identity.ts'
import { errors } from './common.ts'

export async function reservationRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { db } = app.database
  const settings = { holdTtlSeconds: app.config.holdTtlSeconds, maxHoldsPerUser: app.config.maxHoldsPerUser }

  app.post(
    '/api/concerts/:concertId/reservations',
    {
      onRequest: requireUser,
      config: { outcome: 'holds' },
      schema: { params: ConcertParams, body: HoldRequest, response: { 201: Reservation, ...errors(400, 404, 409, 410) } },
    },
    async (request, reply) => {
      const hold = await holds.holdSeat(db, settings, {
        userId: request.userId,
        concertId: request.params.concertId,
        activeUntil: activeUntil(request),
        ...request.body,
      })
      return reply.code(201).send(hold)
    },
  )

  app.delete(
    '/api/concerts/:concertId/reservations/:reservationId',
    {
      onRequest: requireUser,
      config: { outcome: 'releases' },
      schema: { params: ReservationParams, response: { 204: Type.Null(), ...errors(400, 404, 409) } },
    },
    async (request, reply) => {
      await holds.releaseHold(db, { userId: request.userId, ...request.params })
      return reply.code(204).send(null)
    },
  )
}
