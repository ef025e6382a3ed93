/** Holding, extending and releasing seats. */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ConcertParams, GroupHold, GroupHoldRequest, HoldRequest, Reservation, ReservationParams } from '@rushgate/shared'
import Type from 'typebox'
import * as holds from '../domain/holds.ts'
import { activeUntil, requireUser } from '../plugins/identity.ts'
import { errors, markSeatMapsChanged } from './common.ts'

export async function reservationRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { pool } = app.database
  const settings = { holdTtlSeconds: app.config.holdTtlSeconds, maxHoldsPerUser: app.config.maxHoldsPerUser }

  app.post(
    '/api/concerts/:concertId/reservations',
    {
      onRequest: requireUser,
      config: { outcome: 'holds' },
      schema: { params: ConcertParams, body: HoldRequest, response: { 201: Reservation, ...errors(400, 404, 409, 410) } },
    },
    async (request, reply) => {
      const hold = await holds.holdSeat(pool, settings, {
        userId: request.userId,
        concertId: request.params.concertId,
        activeUntil: activeUntil(request),
        ...request.body,
      })
      markSeatMapsChanged(reply, [{ concertId: hold.concertId, scheduleId: hold.scheduleId }])
      return reply.code(201).send(hold)
    },
  )

  app.post(
    '/api/concerts/:concertId/holds',
    {
      onRequest: requireUser,
      config: { outcome: 'holds' },
      schema: { params: ConcertParams, body: GroupHoldRequest, response: { 201: GroupHold, ...errors(400, 404, 409, 410) } },
    },
    async (request, reply) => {
      const held = await holds.holdGroup(pool, settings, {
        userId: request.userId,
        concertId: request.params.concertId,
        activeUntil: activeUntil(request),
        body: request.body,
      })
      markSeatMapsChanged(reply, [{ concertId: request.params.concertId, scheduleId: request.body.scheduleId }])
      return reply.code(201).send(held)
    },
  )

  app.post(
    '/api/concerts/:concertId/reservations/:reservationId/extension',
    {
      onRequest: requireUser,
      config: { outcome: 'extensions' },
      schema: { params: ReservationParams, response: { 200: Reservation, ...errors(400, 404, 409, 410) } },
    },
    async (request) =>
      holds.extendHold(pool, settings.holdTtlSeconds, { userId: request.userId, activeUntil: activeUntil(request), ...request.params }),
  )

  app.delete(
    '/api/concerts/:concertId/reservations/:reservationId',
    {
      onRequest: requireUser,
      config: { outcome: 'releases' },
      schema: { params: ReservationParams, response: { 204: Type.Null(), ...errors(400, 404, 409) } },
    },
    async (request, reply) => {
      const changed = await holds.releaseHold(pool, { userId: request.userId, ...request.params })
      if (changed !== null) markSeatMapsChanged(reply, [{ concertId: request.params.concertId, scheduleId: changed }])
      return reply.code(204).send(null)
    },
  )
}
