/**
 * What browsers are told. Every answer carries `X-Content-Type-Options: nosniff`; pages (the
 * waiting room at /, the API browser at /docs) get the rest of helmet's set with a
 * Content-Security-Policy each; browsers of other origins get CORS grants only for CORS_ORIGINS.
 *
 * API answers get nosniff from one callback hook, not from @fastify/helmet: helmet builds its
 * middleware on every request and adds an async hook, a cost the token and poll routes of a rush
 * would pay for headers that mean nothing on JSON (load-tests/results/identity.md). So helmet is
 * registered inside the page scopes only (`pageScope`).
 */
import fastifyCors from '@fastify/cors'
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet'
import { Headers } from '@rushgate/shared'
import type { FastifyInstance } from 'fastify'
import type { GatewayConfig } from '../config.ts'

/** Headers a browser client may send on a cross-origin call (answered in preflights). */
export const CORS_ALLOWED_HEADERS = [
  Headers.authorization,
  'content-type',
  Headers.idempotencyKey,
  Headers.userId,
  Headers.queueToken,
  Headers.proofOfWork,
]

export async function installBrowserHeaders(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('x-content-type-options', 'nosniff')
    done()
  })
  // Without CORS_ORIGINS no plugin at all: no grant for anyone, and nothing on the hot path.
  if (config.corsOrigins.length === 0) return
  await app.register(fastifyCors, {
    origin: config.corsOrigins,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: [Headers.retryAfter],
    maxAge: 600,
    // A stray OPTIONS without Origin gets an empty 204 rather than a text/plain 400 outside the contract.
    strictPreflight: false,
  })
}

/** The CSP shared by both pages: everything from this origin only, nothing inline, no framing. */
const BASE_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'none'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
}

function policy(directives: Record<string, string[]>): FastifyHelmetOptions {
  return {
    // Not helmet's defaults: they add upgrade-insecure-requests, which breaks a plain-http deployment.
    contentSecurityPolicy: { useDefaults: false, directives },
    xFrameOptions: { action: 'deny' },
  }
}

/** The waiting-room page (apps/web): its script and stylesheet, and a data: icon. */
export const PAGE_POLICY = policy(BASE_DIRECTIVES)

/** Swagger UI sets styles inline and draws its icons as data: images. */
export const DOCS_POLICY = policy({ ...BASE_DIRECTIVES, 'style-src': ["'self'", "'unsafe-inline'"] })

/**
 * Registers `pages` in a scope of their own with helmet's full set under `policy`, so helmet's
 * hooks run for those routes only. Every HTML page of the gateway is registered through this.
 */
export async function pageScope(
  app: FastifyInstance,
  helmetOptions: FastifyHelmetOptions,
  pages: (scope: FastifyInstance) => Promise<void>,
): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyHelmet, helmetOptions)
    await pages(scope)
  })
}
