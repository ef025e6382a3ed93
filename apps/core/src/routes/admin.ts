/** Administration at the core: the gateway checks ADMIN_TOKEN; here the internal token suffices. */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { CreatedConcert, NewConcert } from '@rushgate/shared'
import { createConcert } from '../domain/admin.ts'
import { errors } from './common.ts'

export async function adminRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { db } = app.database

  app.post(
    '/api/admin/concerts',
    { schema: { body: NewConcert, response: { 201: CreatedConcert, ...errors(400) } } },
    async (request, reply) => reply.code(201).send(await createConcert(db, request.body)),
  )
}
