/**
 * Who is asking. Header mode: `X-User-Id` (1–64 of [A-Za-z0-9_-]), trusted as sent. JWT mode:
 * `Authorization: Bearer <JWT>` verified by ../identity/jwt-verifier.ts, user = `sub`, and
 * X-User-Id is ignored. Resolved once per request in a root hook (the rate limiter keys on it);
 * routes that need a user call `requireUser`, which answers 401 UNAUTHENTICATED (503 while the
 * JWKS server has never been reachable).
 *
 * The admin token is no identity in either mode: it is not a JWT, and header mode never reads
 * Authorization.
 */
import { ApiError, Headers, USER_ID_REGEX } from '@rushgate/shared'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { GatewayConfig } from '../config.ts'
import { JwtVerifier } from '../identity/jwt-verifier.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's user id, or null when none (or an invalid one) was presented. */
    callerId: string | null
    /** Why a presented credential was refused (JWT mode), for requireUser's answer. */
    authError: ApiError | null
  }
}

const BEARER = /^Bearer +(\S+) *$/i

export function installIdentity(app: FastifyInstance, config: GatewayConfig): void {
  app.decorateRequest('callerId', null)
  app.decorateRequest('authError', null)
  // Callback hooks, not async ones: they run on every request of the rush, and a promise costs more.
  if (config.jwt) {
    const verifier = new JwtVerifier(config.jwt, (err) => app.log.warn({ err: err.message }, 'could not fetch the JWT signing keys'))
    app.addHook('onRequest', (request, _reply, done) => {
      const auth = request.headers.authorization
      if (auth === undefined) return done()
      const token = BEARER.exec(auth)?.[1]
      if (token === undefined) {
        request.authError = new ApiError('UNAUTHENTICATED', 'Authorization must be "Bearer <JWT>"')
        return done()
      }
      const known = verifier.cached(token)
      if (known !== undefined) {
        request.callerId = known
        return done()
      }
      verifier.verify(token).then((verified) => {
        if (verified.error) request.authError = verified.error
        else request.callerId = verified.userId
        done()
      }, done)
    })
    return
  }
  app.addHook('onRequest', (request, _reply, done) => {
    const id = request.headers[Headers.userId]
    if (typeof id === 'string' && USER_ID_REGEX.test(id)) request.callerId = id
    done()
  })
}

export function requireUser(request: FastifyRequest, config: GatewayConfig): string {
  if (request.callerId) return request.callerId
  if (request.authError) throw request.authError
  throw new ApiError(
    'UNAUTHENTICATED',
    config.authMode === 'jwt'
      ? 'Authorization: Bearer <JWT> is required'
      : 'X-User-Id header is required: 1-64 characters of A-Z a-z 0-9 _ -',
  )
}
