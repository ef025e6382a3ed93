/**
 * How to run the gateway from outside it: built inside a test's process, or as its own process (the
 * fault suite, the load tests). `@rushgate/testkit` takes this as an argument rather than importing
 * the gateway, so the gateway's own tests can use the kit without a workspace dependency cycle. The
 * imports are lazy: who only spawns the server loads none.
 */
import { fileURLToPath } from 'node:url'

export const gatewayEntry = {
  serverFile: fileURLToPath(new URL('./src/server.ts', import.meta.url)),
  async build(env: Record<string, string>) {
    const [{ buildApp }, { loadConfig }] = await Promise.all([import('./src/app.ts'), import('./src/config.ts')])
    return buildApp(loadConfig(env))
  },
}
