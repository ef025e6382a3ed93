/**
 * Prometheus metrics on a registry of this app's own (several apps may live in one test process).
 * Routes name their counter in `config.outcome`; the result label is `ok` or the error code.
 */
import type { FastifyInstance } from 'fastify'
import { Counter, collectDefaultMetrics, Registry } from 'prom-client'

export interface CoreMetrics {
  registry: Registry
  counters: Record<'holds' | 'extensions' | 'releases' | 'payments' | 'refunds' | 'charges', Counter<'result'>>
}

export function installMetrics(app: FastifyInstance, opts: { defaultMetrics?: boolean } = {}): void {
  const registry = new Registry()
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'rushgate_core_' })
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['result'] as const, registers: [registry] })
  const metrics: CoreMetrics = {
    registry,
    counters: {
      holds: counter('rushgate_holds_total', 'Seat hold attempts by result'),
      extensions: counter('rushgate_hold_extensions_total', 'Hold extensions by result'),
      releases: counter('rushgate_releases_total', 'Hold releases by result'),
      payments: counter('rushgate_payments_total', 'Payment attempts by result'),
      refunds: counter('rushgate_refunds_total', 'Refund attempts by result'),
      charges: counter('rushgate_charges_total', 'Balance charges by result'),
    },
  }
  app.decorate('metrics', metrics)

  app.addHook('onSend', async (request, reply, payload) => {
    const name = request.routeOptions.config?.outcome
    if (!name) return payload
    let result = 'ok'
    if (reply.statusCode >= 400) {
      result = String(reply.statusCode)
      if (typeof payload === 'string') {
        try {
          result = (JSON.parse(payload) as { code?: string }).code ?? result
        } catch {}
      }
    }
    metrics.counters[name].inc({ result })
    return payload
  })

  app.get('/metrics', { config: { public: true } }, async (_request, reply) => {
    reply.type(registry.contentType)
    return registry.metrics()
  })
}
