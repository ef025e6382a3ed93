/** The admission tick's read of what each concert has left to sell (internal: only the gateway calls it). */
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { InventoryList, InventoryQuery } from '@rushgate/shared'
import { inventory } from '../domain/inventory.ts'
import { errors } from './common.ts'

export async function inventoryRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { line: db } = app.database

  app.get('/api/inventory', { schema: { querystring: InventoryQuery, response: { 200: InventoryList, ...errors(400) } } }, (request) =>
    inventory(db, request.query.concertIds),
  )
}
