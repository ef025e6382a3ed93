/**
 * The gateway process: configuration, logger, listen, and a graceful close on SIGTERM/SIGINT
 * (stop accepting, finish in-flight requests, close the worker, queues and Redis).
 */
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(1)
    }
    throw err
  }
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
}

await main()
