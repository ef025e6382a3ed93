/**
 * How to run the core from outside it: built inside a test's process, or as its own process (the
 * fault suite, the load tests); and how to migrate a database for it. `@rushgate/testkit` takes
 * these as arguments rather than importing the core, so the core's own tests can use the kit
 * without a workspace dependency cycle. The imports are lazy: who only spawns the server loads none.
 */
import { fileURLToPath } from 'node:url'

export const coreEntry = {
  serverFile: fileURLToPath(new URL('./src/server.ts', import.meta.url)),
  async build(env: Record<string, string>) {
    const [{ buildApp }, { loadConfig }] = await Promise.all([import('./src/app.ts'), import('./src/config.ts')])
    return buildApp(loadConfig(env))
  },
  async migrate(databaseUrl: string) {
    const { runMigrations } = await import('./src/db/migrate.ts')
    await runMigrations(databaseUrl)
  },
}
