/**
 * Concerts, dates and seats. The catalog is readable with the internal token alone (no user).
 * Dates and seat maps arrive from Postgres as finished JSON text and are sent as is; their response
 * schemas stay here for the documentation (Fastify does not re-serialise a string body).
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  ConcertList,
  ConcertParams,
  ConcertSummary,
  Headers,
  ScheduleList,
  ScheduleParams,
  SeatList,
  SeatMapQuery,
  SectionsSummary,
} from '@rushgate/shared'
import type { SeatMapJson } from '../data-access/catalog.ts'
import * as catalog from '../domain/catalog.ts'
import { errors, sendJsonText } from './common.ts'

/** A map or summary as JSON text; the gateway's cache must drop it when its first live hold runs out. */
function sendMap(reply: FastifyReply, map: SeatMapJson): FastifyReply {
  if (map.freshForMs !== null) reply.header(Headers.seatMapFreshMs, String(Math.max(0, map.freshForMs)))
  return sendJsonText(reply, map.json)
}

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
    { schema: { params: ScheduleParams, querystring: SeatMapQuery, response: { 200: SeatList, ...errors(400, 404) } } },
    async (request, reply) => {
      const { concertId, scheduleId } = request.params
      return sendMap(reply, await catalog.seatMapJson(db, concertId, scheduleId, request.query.section ?? null))
    },
  )

  app.get(
    '/api/concerts/:concertId/schedules/:scheduleId/sections',
    { schema: { params: ScheduleParams, response: { 200: SectionsSummary, ...errors(400, 404) } } },
    async (request, reply) => sendMap(reply, await catalog.sectionsJson(db, request.params.concertId, request.params.scheduleId)),
  )
}
