/**
 * The checks of a presented queue token that need no Redis, in the contract's order:
 * missing (401), invalid (401), another user's (403), another concert's (403).
 */
import { ApiError, Headers } from '@rushgate/shared'
import type { FastifyRequest } from 'fastify'
import type { TokenClaims, TokenSigner } from './tokens.ts'

export interface PresentedToken {
  token: string
  claims: TokenClaims
}

export function checkPresentedToken(
  request: FastifyRequest,
  signer: TokenSigner,
  userId: string,
  concertId: number,
): PresentedToken {
  const token = request.headers[Headers.queueToken]
  if (typeof token !== 'string' || token.length === 0) {
    throw new ApiError('QUEUE_TOKEN_MISSING', 'X-Queue-Token header is required')
  }
  return checkToken(token, 'X-Queue-Token', signer, userId, concertId)
}

/**
 * The checks after "missing" of a token from anywhere (`where` names it in the messages);
 * `userId` null when the caller sent no identity (an event stream: the token names its user).
 */
export function checkToken(token: string, where: string, signer: TokenSigner, userId: string | null, concertId: number): PresentedToken {
  const claims = signer.verify(token)
  if (!claims) throw new ApiError('QUEUE_TOKEN_INVALID', `${where} is not a valid queue token`)
  if (userId !== null && claims.user !== userId) {
    throw new ApiError('QUEUE_TOKEN_USER_MISMATCH', `${where} belongs to another user`)
  }
  if (claims.concertId !== concertId) {
    throw new ApiError('QUEUE_TOKEN_WRONG_CONCERT', `${where} is for another concert, not ${concertId}`)
  }
  return { token, claims }
}
