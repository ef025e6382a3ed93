/** Background upkeep: forget idempotent answers past their 24 hours, once an hour. */
import type { FastifyInstance } from 'fastify'
import { forgetOldAnswers } from '../domain/idempotency.ts'

const EVERY_MS = 3_600_000

export function installMaintenance(app: FastifyInstance): void {
  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      forgetOldAnswers(app.database.db)
        .then((n) => n > 0 && app.log.info({ deleted: n }, 'old idempotency answers deleted'))
        .catch((err) => app.log.warn({ err }, 'idempotency cleanup failed'))
    }, EVERY_MS)
    timer.unref()
  })
  app.addHook('onClose', async () => clearInterval(timer))
}
