/** Pieces every route file uses: error responses by status, idempotency, sending prepared JSON. */
import { formatSeatMapRefs, Headers, type SeatMapRef } from '@rushgate/shared'
import { errorResponses } from '@rushgate/shared/fastify'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { IdempotencyScope, Outcome } from '../domain/idempotency.ts'

/** Response schemas of the error statuses a route can answer with (plus 401 and 503, always possible). */
export const errors = (...statuses: number[]) => errorResponses(401, 503, ...statuses)

export function idempotencyScope(request: FastifyRequest): IdempotencyScope {
  const key = request.headers['idempotency-key']
  return {
    userId: request.userId,
    key: typeof key === 'string' ? key : undefined,
    request: { method: request.method, route: request.url.split('?')[0] ?? '', body: request.body },
  }
}

/** Sends a use case's outcome; a replayed idempotent answer may be any stored status and body. */
export function sendOutcome(reply: FastifyReply, outcome: Outcome): FastifyReply {
  markSeatMapsChanged(reply, outcome.seatMapsChanged)
  return reply.code(outcome.statusCode).send(outcome.body)
}

/** Tells the gateway which seat maps this answer's write changed (it drops them from its cache). */
export function markSeatMapsChanged(reply: FastifyReply, refs: readonly SeatMapRef[] | undefined): void {
  if (refs && refs.length > 0) reply.header(Headers.seatMapsChanged, formatSeatMapRefs(refs))
}

/**
 * Sends JSON that is already text (built by SQL in the route's response shape). With a JSON
 * content-type Fastify sends a string body untouched: no parse, no schema serialiser.
 */
export function sendJsonText(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json)
}
