/** The waiting line: the public view, enter, look up, leave (contract § Waiting line). */
import {
  ApiError,
  Challenge,
  ConcertParams,
  Headers,
  PublicQueue,
  queueTokenExpired,
  QueueTokenHeaders,
  QueueTokenState,
} from '@rushgate/shared'
import { errorResponses } from '@rushgate/shared/fastify'
import Type, { type Static } from 'typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { GatewayConfig } from '../config.ts'
import type { GatewayContext } from '../context.ts'
import { requireUser } from '../plugins/identity.ts'
import { JoinLimitError } from '../queue/line.ts'
import { checkPresentedToken, checkToken } from '../queue/token-check.ts'

const EventsQuery = Type.Object({
  token: Type.Optional(Type.String({ description: "the queue token (a browser's EventSource cannot set headers)" })),
})
type EventsQuery = Static<typeof EventsQuery>

// Documented, not validated here: a bad value is the contract's 403, not a 400 (queue/proof-of-work.ts).
const ProofOfWorkHeaders = Type.Object({
  'x-proof-of-work': Type.Optional(Type.String({ description: 'base64 of the JSON of a solved challenge; needed for a new place when the line asks for proof of work' })),
})

export async function queueRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { config, line, concerts, settings, joinGuard, streams } = ctx

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
    // Not async: a poll answered from memory returns its body at once, without a promise.
    (request) => {
      const userId = requireUser(request, config)
      const { token, claims } = checkPresentedToken(request, line.signer, userId, request.params.concertId)
      const state = line.poll(claims)
      if (state instanceof Promise) return state.then((s) => line.toResponse(token, claims.concertId, s))
      return line.toResponse(token, claims.concertId, state)
    },
  )

  app.get<{ Params: ConcertParams; Querystring: EventsQuery }>(
    '/api/queues/:concertId/tokens/current/events',
    {
      // Headers, lifecycle and close from @fastify/sse; its per-stream heartbeat is off: one timer
      // writes the comments of every stream (queue/event-streams.ts).
      sse: { kind: 'manual', heartbeat: false },
      schema: {
        tags: ['queue'],
        summary: 'The token state pushed as Server-Sent Events (an open stream keeps the place from being abandoned)',
        params: ConcertParams,
        querystring: EventsQuery,
        headers: QueueTokenHeaders,
        response: {
          200: {
            description: 'text/event-stream: `state` events (the token state), a final `end` (the 410 body), comments',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errorResponses(400, 401, 403, 410, 429, 503),
        },
      },
    },
    async (request, reply) => {
      // The token names its user; an identity sent as well must be that user.
      const userId = identitySent(request, config.authMode) ? requireUser(request, config) : null
      const fromQuery = request.query.token
      const token = fromQuery ?? request.headers[Headers.queueToken]
      if (typeof token !== 'string' || token.length === 0) {
        throw new ApiError('QUEUE_TOKEN_MISSING', 'the token query parameter or the X-Queue-Token header is required')
      }
      const where = fromQuery === undefined ? 'X-Queue-Token' : 'the token query parameter'
      const { claims } = checkToken(token, where, line.signer, userId, request.params.concertId)
      const state = await line.lookup(claims)
      if (state.status === 'ENDED') throw queueTokenExpired(state.reason)
      if (state.status !== 'ACTIVE') line.markPresent(claims)
      streams.open(claims, token, reply, state)
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

/** Did the caller present an identity at all (valid or not)? */
function identitySent(request: FastifyRequest, authMode: GatewayConfig['authMode']): boolean {
  if (request.callerId !== null || request.authError !== null) return true
  return authMode === 'jwt' ? request.headers.authorization !== undefined : request.headers[Headers.userId] !== undefined
}
