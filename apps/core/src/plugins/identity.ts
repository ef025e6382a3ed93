/** The caller's identity at the core: X-User-Id, as vouched for by the gateway's internal token. */
import { ApiError, Headers, USER_ID_REGEX } from '@rushgate/shared'
import type { FastifyInstance, FastifyRequest } from 'fastify'

export function installIdentity(app: FastifyInstance): void {
  app.decorateRequest('userId', '')
}

/** onRequest hook of the user routes: 401 UNAUTHENTICATED unless X-User-Id is a valid user id. */
export async function requireUser(request: FastifyRequest): Promise<void> {
  const userId = request.headers[Headers.userId]
  if (typeof userId !== 'string' || !USER_ID_REGEX.test(userId)) {
    throw new ApiError('UNAUTHENTICATED', 'X-User-Id is missing or is not 1-64 characters of [A-Za-z0-9_-]')
  }
  request.userId = userId
}

/** The gateway's `x-queue-active-until`: a hold never outlives the queue token it was taken with. */
export function activeUntil(request: FastifyRequest): Date | null {
  const raw = request.headers[Headers.activeUntil]
  if (typeof raw !== 'string' || raw === '') return null
  const at = new Date(raw)
  if (Number.isNaN(at.getTime())) throw new ApiError('VALIDATION_ERROR', `header ${Headers.activeUntil} is not an ISO timestamp`)
  // The gateway checked the token just before; this only catches a token that ran out in between.
  if (at.getTime() <= Date.now()) throw new ApiError('QUEUE_TOKEN_EXPIRED', 'the queue token has run out')
  return at
}
