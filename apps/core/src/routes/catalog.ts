/**
 * Concerts, dates and seats. The catalog is readable with the internal token alone (no user).
 * Dates and seat maps arrive from Postgres as finished JSON text and are sent as is; their response
 * schemas stay here for the documentation (Fastify does not re-serialise a string body).
 */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ConcertList, ConcertParams, ConcertSummary, Headers, ScheduleList, ScheduleParams, SeatList } from '@rushgate/shared'
import * as catalog from '../domain/catalog.ts'
import { errors, sendJsonText } from './common.ts'

export async function catalogRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { db } = app.database

  app.get('/api/concerts', { schema: { response: { 200: ConcertList, ...errors() } } }, () => catalog.listConcerts(db))

  app.get(
    '/api/concerts/:concertId',
    { schema: { params: ConcertParams, response: { 200: ConcertSummary, ...errors(400, 404) } } },
    (request) => catalog.getConcert(db, request.params.concertId),
  )

  app.get(
    '/api/concerts/:concertId/schedules',
    { schema: { params: ConcertParams, response: { 200: ScheduleList, ...errors(400, 404) } } },
    async (request, reply) => sendJsonText(reply, await catalog.schedulesJson(db, request.params.concertId)),
  )

  app.get(
    '/api/concerts/:concertId/schedules/:scheduleId/seats',
    { schema: { params: ScheduleParams, response: { 200: SeatList, ...errors(400, 404) } } },
    async (request, reply) => {
      const map = await catalog.seatMapJson(db, request.params.concertId, request.params.scheduleId)
      // The gateway's seat-map cache must drop the map when its first live hold runs out.
      if (map.freshForMs !== null) reply.header(Headers.seatMapFreshMs, String(Math.max(0, map.freshForMs)))
      return sendJsonText(reply, map.json)
    },
  )
}
