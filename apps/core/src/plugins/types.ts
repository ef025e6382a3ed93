/** Typed decorators of the core's Fastify instance and requests. */
import type { CoreConfig } from '../config.ts'
import type { Database } from '../db/client.ts'
import type { CoreMetrics } from './metrics.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: CoreConfig
    database: Database
    metrics: CoreMetrics
  }
  interface FastifyRequest {
    /** Set by the `requireUser` hook from X-User-Id. */
    userId: string
  }
  interface FastifyContextConfig {
    /** Counts this route's answers in the named counter (see plugins/metrics.ts). */
    outcome?: 'holds' | 'extensions' | 'releases' | 'payments' | 'refunds' | 'charges'
    /** Health and metrics are served without the internal credential. */
    public?: boolean
  }
}
