/**
 * The core as a Fastify app: what the server process and the tests build, the same way.
 * Order: config → error contract → infrastructure (db, metrics, health) → auth → routes.
 */
import { installContractErrors, serverOptions } from '@rushgate/shared/fastify'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { CoreConfig } from './config.ts'
import { isDbUnavailable } from './db/client.ts'
import { installDatabase } from './plugins/db.ts'
import { installHealth } from './plugins/health.ts'
import { installIdentity } from './plugins/identity.ts'
import { installInternalAuth } from './plugins/internal-auth.ts'
import { installMaintenance } from './plugins/maintenance.ts'
import { installMetrics } from './plugins/metrics.ts'
import './plugins/types.ts'
import { adminRoutes } from './routes/admin.ts'
import { catalogRoutes } from './routes/catalog.ts'
import { inventoryRoutes } from './routes/inventory.ts'
import { lineRoutes } from './routes/lines.ts'
import { paymentRoutes } from './routes/payments.ts'
import { reservationRoutes } from './routes/reservations.ts'
import { userRoutes } from './routes/users.ts'

export interface BuildOptions {
  logger?: FastifyServerOptions['logger']
  /** Process-level metrics (CPU, memory, event loop); off in tests. */
  defaultMetrics?: boolean
}

export async function buildApp(config: CoreConfig, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions({ logger: opts.logger ?? { level: config.logLevel } }))
  app.decorate('config', config)
  installContractErrors(app, { isUnavailable: isDbUnavailable })

  installDatabase(app)
  installMetrics(app, { defaultMetrics: opts.defaultMetrics })
  installHealth(app)
  installInternalAuth(app)
  installIdentity(app)
  installMaintenance(app)

  await app.register(catalogRoutes)
  await app.register(reservationRoutes)
  await app.register(paymentRoutes)
  await app.register(userRoutes)
  await app.register(adminRoutes)
  await app.register(inventoryRoutes)
  await app.register(lineRoutes)
  return app
}
