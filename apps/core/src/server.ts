/**
 * The core as a process: configuration, logger, migrations (retried while Postgres starts), optional
 * demo data, listen; SIGTERM/SIGINT close it gracefully.
 */
import { startOrExit } from '@rushgate/shared/fastify'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import { isDbUnavailable } from './db/client.ts'
import { runMigrations } from './db/migrate.ts'
import { seedDemo } from './seed/demo.ts'

const MIGRATION_ATTEMPTS = 30

await startOrExit(async () => {
  const config = loadConfig()
  const app = await buildApp(config, { logger: { level: config.logLevel }, defaultMetrics: true })

  for (let attempt = 1; ; attempt++) {
    try {
      await runMigrations(config.databaseUrl, (msg) => app.log.info(msg))
      break
    } catch (err) {
      // Postgres may still be starting (compose, CI): wait for it a while, then give up loudly.
      if (!isDbUnavailable(err) || attempt >= MIGRATION_ATTEMPTS) {
        app.log.fatal({ err }, 'migrations failed')
        process.exit(1)
      }
      app.log.warn({ attempt, err: (err as Error).message }, 'Postgres not reachable yet; retrying migrations')
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }

  if (config.seedDemo) {
    const created = await seedDemo(app.database.bulk)
    app.log.info({ created }, created.length ? 'demo concerts created' : 'demo concerts already present')
  }

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an error')
    else app.log.info({ signal }, 'closing')
    await app.close()
})

await app.listen({ port: config.port, host: config.host })
})
