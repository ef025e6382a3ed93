/**
 * The gate in front of the core's concert routes: only an ACTIVE token of the route's concert
 * gets through. Checks run in the contract's order and the first failure answers; none of the
 * rejections reaches the core. A token ended by a payment still passes for POST …/payments, so
 * a retried payment gets its first answer back from the core.
 */
import { ApiError } from '@rushgate/shared'
import type { FastifyRequest } from 'fastify'
import type { GatewayContext } from '../context.ts'
import { requireUser } from '../plugins/identity.ts'
import { expired } from '../queue/line.ts'
import { checkPresentedToken, type PresentedToken } from '../queue/token-check.ts'

export interface Admitted extends PresentedToken {
  userId: string
  /** Epoch ms the active slot ends; null for a token already ended by a payment. */
  activeUntil: number | null
}

export async function requireActiveToken(
  ctx: GatewayContext,
  request: FastifyRequest,
  concertId: number,
  opts: { payment?: boolean } = {},
): Promise<Admitted> {
  const userId = requireUser(request, ctx.config)
  try {
    const presented = checkPresentedToken(request, ctx.line.signer, userId, concertId)
    const state = await ctx.line.lookup(presented.claims)
    switch (state.status) {
      case 'ACTIVE':
        return { ...presented, userId, activeUntil: state.activeUntil }
      case 'PAID':
        if (opts.payment) return { ...presented, userId, activeUntil: null }
        throw expired()
      case 'EXPIRED':
        throw expired()
      case 'WAITING':
        throw new ApiError('QUEUE_NOT_ACTIVE', 'the queue token is still waiting in line', {
          position: state.position,
          estimatedWaitSeconds: state.estimatedWaitSeconds,
        })
    }
  } catch (err) {
    if (err instanceof ApiError) ctx.metrics.rejected.inc({ code: err.code })
    throw err
  }
}
