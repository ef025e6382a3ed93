/**
 * The gateway process: configuration, logger, listen, and a graceful close on SIGTERM/SIGINT
 * (stop accepting, finish in-flight requests, close the worker, queues and Redis).
 */
import { startOrExit } from '@rushgate/shared/fastify'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'

await startOrExit(async () => {
  const config = loadConfig()
  const app = await buildApp(config)
  closeWithGrace({ delay: config.shutdownDrainMs + 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error')
    else app.log.info({ signal }, 'closing')
    // Out of rotation first (readiness 503) while still serving, then stop listening: a load
    // balancer that watches /health/ready sends nothing more before the listener closes.
    app.gateway.lifecycle.draining = true
    if (!err && app.server.listening) await new Promise((r) => setTimeout(r, config.shutdownDrainMs))
    await app.close()
  })
  await app.listen({ port: config.port, host: config.host })
})
