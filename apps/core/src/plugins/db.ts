/** The Postgres pool, one per app, closed with it. */
import type { FastifyInstance } from 'fastify'
import { createDatabase } from '../db/client.ts'

export function installDatabase(app: FastifyInstance): void {
  const database = createDatabase(app.config.databaseUrl, app.config.dbPoolMax, (err) =>
    app.log.warn({ err }, 'idle Postgres client lost its connection'),
  )
  app.decorate('database', database)
  app.addHook('onClose', async () => {
    await Promise.all([database.pool.end(), database.bulkPool.end(), database.linePool.end()])
  })
}
