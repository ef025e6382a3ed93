/**
 * One variant of the browser-facing headers on a route that does nothing else, as its own process,
 * for `headers-cost.ts`. env: VARIANT (see VARIANTS there). Prints `listening <url>`.
 */
import { createRequire } from 'node:module'
import { installContractErrors, serverOptions } from '@rushgate/shared/fastify'
import Fastify, { type FastifyPluginAsync } from 'fastify'
import { loadConfig } from '../../../apps/gateway/src/config.ts'
import { installBrowserHeaders, PAGE_POLICY } from '../../../apps/gateway/src/plugins/browser.ts'

const require = createRequire(new URL('../../../apps/gateway/package.json', import.meta.url))
// Resolved from the gateway's dependencies, where it is installed.
const fastifyHelmet = require('@fastify/helmet') as FastifyPluginAsync<object>

/** @fastify/helmet with everything off but X-Content-Type-Options: the least it can do for an API. */
const HELMET_NOSNIFF_ONLY = {
  contentSecurityPolicy: false,
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  xPoweredBy: false,
}

const variant = process.env.VARIANT ?? 'none'
const app = Fastify(serverOptions({ logger: false }))
installContractErrors(app)
if (variant === 'gateway') await installBrowserHeaders(app, loadConfig({}))
else if (variant === 'gateway-cors') await installBrowserHeaders(app, loadConfig({ CORS_ORIGINS: 'https://tickets.example.com' }))
else if (variant === 'helmet-nosniff') await app.register(fastifyHelmet, HELMET_NOSNIFF_ONLY)
else if (variant === 'helmet-page') await app.register(fastifyHelmet, PAGE_POLICY)
else if (variant !== 'none') throw new Error(`unknown VARIANT ${variant}`)
app.get('/x', async () => ({ status: 'WAITING', position: 1532 }))
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
console.log(`listening http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`)
