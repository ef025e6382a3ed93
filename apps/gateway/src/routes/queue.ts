/** The waiting line: the public view, enter, look up, leave (contract § Waiting line). */
import {
  Challenge,
  ConcertParams,
  PublicQueue,
  queueTokenExpired,
  QueueTokenHeaders,
  QueueTokenState,
} from '@rushgate/shared'
import { errorResponses } from '@rushgate/shared/fastify'
import Type from 'typebox'
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.ts'
import { requireUser } from '../plugins/identity.ts'
import { JoinLimitError } from '../queue/line.ts'
import { checkPresentedToken } from '../queue/token-check.ts'

// Documented, not validated here: a bad value is the contract's 403, not a 400 (queue/proof-of-work.ts).
const ProofOfWorkHeaders = Type.Object({
  'x-proof-of-work': Type.Optional(Type.String({ description: 'base64 of the JSON of a solved challenge; needed for a new place when the line asks for proof of work' })),
})

export async function queueRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { config, line, concerts, settings, joinGuard } = ctx

  app.get<{ Params: ConcertParams }>(
    '/api/queues/:concertId',
    {
      schema: {
        tags: ['queue'],
        summary: 'The public view of a line: its state, sale window, size, the wait of someone joining now, the draw commitment',
        params: ConcertParams,
        response: { 200: PublicQueue, ...errorResponses(400, 404, 429, 503) },
      },
    },
    async (request) => {
      await concerts.assertExists(request.params.concertId)
      return settings.publicView(request.params.concertId)
    },
  )

  app.get<{ Params: ConcertParams }>(
    '/api/queues/:concertId/challenge',
    {
      schema: {
        tags: ['queue'],
        summary: "A proof-of-work challenge for joining the line (ALTCHA's format), valid 5 minutes",
        params: ConcertParams,
        response: { 200: Challenge, ...errorResponses(400, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { concertId } = request.params
      await concerts.assertExists(concertId)
      // Each challenge is new: a cached one would be one solution for everyone.
      reply.header('cache-control', 'no-store')
      return joinGuard.challenge(concertId, await settings.proofOfWork(concertId))
    },
  )

  app.post<{ Params: ConcertParams }>(
    '/api/queues/:concertId/tokens',
    {
      schema: {
        tags: ['queue'],
        summary: 'Enter the waiting line (201), or get back the live token already held (200)',
        security: [{ user: [] }],
        params: ConcertParams,
        headers: ProofOfWorkHeaders,
        response: { 200: QueueTokenState, 201: QueueTokenState, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const userId = requireUser(request, config)
      const { concertId } = request.params
      await concerts.assertExists(concertId)
      const proof = await joinGuard.check(request, concertId)
      try {
        const { created, state } = await line.enter(userId, concertId, { proof, address: request.ip })
        return reply.code(created ? 201 : 200).send(state)
      } catch (err) {
        if (err instanceof JoinLimitError) reply.header('retry-after', String(err.retryAfterSeconds))
        throw err
      }
    },
  )

  app.get<{ Params: ConcertParams }>(
    '/api/queues/:concertId/tokens/current',
    {
      schema: {
        tags: ['queue'],
        summary: "The state of the caller's queue token (asking keeps the place from being abandoned)",
        security: [{ user: [] }],
        params: ConcertParams,
        headers: QueueTokenHeaders,
        response: { 200: QueueTokenState, ...errorResponses(400, 401, 403, 410, 429, 503) },
      },
    },
    async (request) => {
      const userId = requireUser(request, config)
      const { token, claims } = checkPresentedToken(request, line.signer, userId, request.params.concertId)
      const state = await line.poll(claims)
      return line.toResponse(token, claims.concertId, state)
    },
  )

  app.delete<{ Params: ConcertParams }>(
    '/api/queues/:concertId/tokens/current',
    {
      schema: {
        tags: ['queue'],
        summary: 'Leave the line, or give up the active slot',
        security: [{ user: [] }],
        params: ConcertParams,
        headers: QueueTokenHeaders,
        response: { 204: Type.Null({ description: 'left' }), ...errorResponses(400, 401, 403, 410, 429, 503) },
      },
    },
    async (request, reply) => {
      const userId = requireUser(request, config)
      const { claims } = checkPresentedToken(request, line.signer, userId, request.params.concertId)
      const ended = await line.leave(claims)
      if (ended) throw queueTokenExpired(ended)
      return reply.code(204).send()
    },
  )
}
