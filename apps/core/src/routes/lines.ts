/**
 * The lines' record outside Redis (internal: only the gateway calls it): read when a line's state
 * is found gone from Redis, written through on every settings change, sale-out and paid turn.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ApiError, ConcertParams, LineRecord, LineRecordWrite, PaidTurn } from '@rushgate/shared'
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { insertPaidTurn, readLine, writeLine } from '../data-access/lines.ts'
import { errors } from './common.ts'

const notFound = (concertId: number) => new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} not found`)
const NoContent = Type.Null({ description: 'kept' })

export async function lineRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { line: db } = app.database

  app.get('/api/lines/:concertId', { schema: { params: ConcertParams, response: { 200: LineRecord, ...errors(400, 404) } } }, async (request) => {
    const line = await readLine(db, request.params.concertId)
    if (!line) throw notFound(request.params.concertId)
    return line
  })

  app.put(
    '/api/lines/:concertId',
    { schema: { params: ConcertParams, body: LineRecordWrite, response: { 204: NoContent, ...errors(400, 404) } } },
    async (request, reply) => {
      if (!(await writeLine(db, request.params.concertId, request.body))) throw notFound(request.params.concertId)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/api/lines/:concertId/paid-turns',
    { schema: { params: ConcertParams, body: PaidTurn, response: { 204: NoContent, ...errors(400, 404) } } },
    async (request, reply) => {
      const { userId, seq } = request.body
      if (!(await insertPaidTurn(db, request.params.concertId, userId, seq))) throw notFound(request.params.concertId)
      return reply.code(204).send(null)
    },
  )
}
