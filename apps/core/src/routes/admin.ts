/** Administration at the core: the gateway checks ADMIN_TOKEN; here the internal token suffices. */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ADMIN_CONCERT_BODY_LIMIT_BYTES, AdminConcert, ConcertParams, ConcertPatch, CreatedConcert, NewConcert, SalesReport } from '@rushgate/shared'
import { createConcert, salesReport, setTicketLimit } from '../domain/admin.ts'
import { errors } from './common.ts'

export async function adminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { db, bulk } = app.database

  app.post(
    '/api/admin/concerts',
    { bodyLimit: ADMIN_CONCERT_BODY_LIMIT_BYTES, schema: { body: NewConcert, response: { 201: CreatedConcert, ...errors(400) } } },
    async (request, reply) => reply.code(201).send(await createConcert(bulk, request.body)),
  )

  app.patch(
    '/api/admin/concerts/:concertId',
    { schema: { params: ConcertParams, body: ConcertPatch, response: { 200: AdminConcert, ...errors(400, 404) } } },
    (request) => setTicketLimit(db, request.params.concertId, request.body.maxTicketsPerUser),
  )

  app.get(
    '/api/admin/concerts/:concertId/sales',
    { schema: { params: ConcertParams, response: { 200: SalesReport, ...errors(400, 404) } } },
    (request) => salesReport(db, request.params.concertId),
  )
}
