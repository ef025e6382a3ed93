/**
 * Who is asking. Header mode: `X-User-Id` (1–64 of [A-Za-z0-9_-]). JWT mode: `Authorization:
 * Bearer <HS256 JWT>` signed with JWT_SECRET, user = `sub`, and X-User-Id is ignored. Resolved
 * once per request in a root hook (the rate limiter keys on it); routes that need a user call
 * `requireUser`, which answers 401 UNAUTHENTICATED.
 */
import fastifyJwt from '@fastify/jwt'
import { ApiError, Headers, USER_ID_REGEX } from '@rushgate/shared'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { GatewayConfig } from '../config.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's user id, or null when none (or an invalid one) was presented. */
    callerId: string | null
  }
}

export async function installIdentity(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  app.decorateRequest('callerId', null)
  if (config.authMode === 'jwt') {
    await app.register(fastifyJwt, { secret: config.jwtSecret!, verify: { algorithms: ['HS256'] } })
    app.addHook('onRequest', async (request) => {
      const auth = request.headers.authorization
      if (!auth?.startsWith('Bearer ')) return
      try {
        const claims = await request.jwtVerify<{ sub?: unknown }>()
        if (typeof claims.sub === 'string' && USER_ID_REGEX.test(claims.sub)) request.callerId = claims.sub
      } catch {
        // Not a valid JWT (it may be the admin token): no identity.
      }
    })
    return
  }
  // A callback hook, not an async one: it runs on every request of the rush, and a promise costs more.
  app.addHook('onRequest', (request, _reply, done) => {
    const id = request.headers[Headers.userId]
    if (typeof id === 'string' && USER_ID_REGEX.test(id)) request.callerId = id
    done()
  })
}

export function requireUser(request: FastifyRequest, config: GatewayConfig): string {
  if (request.callerId) return request.callerId
  throw new ApiError(
    'UNAUTHENTICATED',
    config.authMode === 'jwt'
      ? 'Authorization: Bearer <JWT> with a valid sub is required'
      : 'X-User-Id header is required: 1-64 characters of A-Z a-z 0-9 _ -',
  )
}
