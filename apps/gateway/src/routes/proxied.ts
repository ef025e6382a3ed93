/**
 * The core's public routes, declared here with the shared schemas (so the gateway validates
 * them and they appear in the OpenAPI document) and forwarded to the core — all but seat maps,
 * which are served from this replica's cache (src/seat-maps/) once the token has passed the gate.
 */
import {
  Balance,
  ChargeRequest,
  ChargeResponse,
  ConcertList,
  ConcertParams,
  GroupHold,
  GroupHoldRequest,
  HoldRequest,
  MAX_WHOLE_MAP_PLACES,
  IdempotencyHeaders,
  Payment,
  PaymentHistory,
  PaymentParams,
  PaymentRequest,
  QueueTokenHeaders,
  Refund,
  Reservation,
  ReservationList,
  ReservationParams,
  ScheduleList,
  ScheduleParams,
  SeatList,
  SeatMapQuery,
  SectionsSummary,
} from '@rushgate/shared'
import { errorResponses } from '@rushgate/shared/fastify'
import Type from 'typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GatewayContext } from '../context.ts'
import { forward } from '../core/forward.ts'
import { requireUser } from '../plugins/identity.ts'
import { type MapView, mapView } from '../seat-maps/cache.ts'
import { sendSeatMap } from '../seat-maps/send.ts'

const gated = errorResponses(400, 401, 403, 404, 410, 429, 503)
const user = [{ user: [] }]

export async function proxiedRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { config, metrics, line, gate, upstream, seatMaps } = ctx

  app.addHook('onResponse', async (request, reply) => {
    metrics.proxied.inc({ route: request.routeOptions.url ?? 'unknown', method: request.method, status: String(reply.statusCode) })
  })

  app.get(
    '/api/concerts',
    {
      schema: {
        tags: ['catalog'],
        summary: 'All concerts (public)',
        response: { 200: ConcertList, ...errorResponses(429, 503) },
      },
    },
    async (request, reply) => forward(upstream, request, reply, { userId: request.callerId }),
  )

  app.get<{ Params: ConcertParams }>(
    '/api/concerts/:concertId/schedules',
    {
      schema: {
        tags: ['catalog'],
        summary: 'The dates of a concert, by startsAt',
        security: user,
        params: ConcertParams,
        headers: QueueTokenHeaders,
        response: { 200: ScheduleList, ...gated },
      },
    },
    async (request, reply) => {
      const { concertId } = request.params
      const { userId } = await gate.admit(request, concertId)
      return forward(upstream, request, reply, { userId, concertId })
    },
  )

  const cachedView = async (request: FastifyRequest<{ Params: ScheduleParams }>, reply: FastifyReply, view: MapView) => {
    const { concertId, scheduleId } = request.params
    // The version is read beside the token check: one round trip to Redis for both.
    const [, version] = await Promise.all([gate.admit(request, concertId), seatMaps.versions.read(concertId, scheduleId)])
    const map = await seatMaps.cache.get(concertId, scheduleId, version, view)
    const sent = sendSeatMap(request, reply, map)
    if (reply.statusCode === 304) metrics.seatMaps.inc({ result: 'not_modified' })
    return sent
  }
  const ifNoneMatch = Type.Intersect([
    QueueTokenHeaders,
    Type.Object({ 'if-none-match': Type.Optional(Type.String({ description: 'the ETag of the answer the client has' })) }),
  ])
  const cacheDescription =
    'Served from a cache: a hold, release, payment or refund shows on every gateway at once (at most ' +
    'SEAT_MAP_STALE_MS later while maps change), a hold that runs out at once. Compressed for clients that accept br or gzip.'
  const notModified = Type.Null({ description: 'Not Modified: the client has this answer' })

  app.get<{ Params: ScheduleParams; Querystring: SeatMapQuery }>(
    '/api/concerts/:concertId/schedules/:scheduleId/seats',
    {
      schema: {
        tags: ['catalog'],
        summary: 'The places of one date, or of one of its sections (`section`), by seat number (ETag: send it back in If-None-Match for a 304)',
        description: `${cacheDescription} Without section only for dates of at most ${MAX_WHOLE_MAP_PLACES} places.`,
        security: user,
        params: ScheduleParams,
        querystring: SeatMapQuery,
        headers: ifNoneMatch,
        response: { 200: SeatList, 304: notModified, ...gated },
      },
    },
    (request, reply) => cachedView(request, reply, mapView(request.query.section)),
  )

  app.get<{ Params: ScheduleParams }>(
    '/api/concerts/:concertId/schedules/:scheduleId/sections',
    {
      schema: {
        tags: ['catalog'],
        summary: 'The grades and sections of one date, in plan order, with what is left (ETag: send it back in If-None-Match for a 304)',
        description: cacheDescription,
        security: user,
        params: ScheduleParams,
        headers: ifNoneMatch,
        response: { 200: SectionsSummary, 304: notModified, ...gated },
      },
    },
    (request, reply) => cachedView(request, reply, 'sections'),
  )

  app.post<{ Params: ConcertParams; Body: GroupHoldRequest }>(
    '/api/concerts/:concertId/holds',
    {
      schema: {
        tags: ['reservations'],
        summary: 'Hold several places at once, all or none: chosen seats, best available, or standing places by quantity',
        security: user,
        params: ConcertParams,
        headers: QueueTokenHeaders,
        body: GroupHoldRequest,
        response: { 201: GroupHold, ...errorResponses(400, 401, 403, 404, 409, 410, 429, 503) },
      },
    },
    async (request, reply) => {
      const { concertId } = request.params
      const { userId, activeUntil } = await gate.admit(request, concertId)
      return forward(upstream, request, reply, { userId, concertId, activeUntil: activeUntil ?? undefined })
    },
  )

  app.post<{ Params: ConcertParams; Body: HoldRequest }>(
    '/api/concerts/:concertId/reservations',
    {
      schema: {
        tags: ['reservations'],
        summary: 'Hold a seat (never past the token’s activeUntil)',
        security: user,
        params: ConcertParams,
        headers: QueueTokenHeaders,
        body: HoldRequest,
        response: { 201: Reservation, ...errorResponses(400, 401, 403, 404, 409, 410, 429, 503) },
      },
    },
    async (request, reply) => {
      const { concertId } = request.params
      const { userId, activeUntil } = await gate.admit(request, concertId)
      return forward(upstream, request, reply, { userId, concertId, activeUntil: activeUntil ?? undefined })
    },
  )

  app.delete<{ Params: ReservationParams }>(
    '/api/concerts/:concertId/reservations/:reservationId',
    {
      schema: {
        tags: ['reservations'],
        summary: 'Release one of the caller’s holds',
        security: user,
        params: ReservationParams,
        headers: QueueTokenHeaders,
        response: { 204: Type.Null({ description: 'released' }), ...errorResponses(400, 401, 403, 404, 409, 410, 429, 503) },
      },
    },
    async (request, reply) => {
      const { concertId } = request.params
      const { userId } = await gate.admit(request, concertId)
      return forward(upstream, request, reply, { userId, concertId })
    },
  )

  app.post<{ Params: ReservationParams }>(
    '/api/concerts/:concertId/reservations/:reservationId/extension',
    {
      schema: {
        tags: ['reservations'],
        summary: 'Extend one of the caller’s live holds, once (never past the token’s activeUntil)',
        security: user,
        params: ReservationParams,
        headers: QueueTokenHeaders,
        response: { 200: Reservation, ...errorResponses(400, 401, 403, 404, 409, 410, 429, 503) },
      },
    },
    async (request, reply) => {
      const { concertId } = request.params
      const { userId, activeUntil } = await gate.admit(request, concertId)
      return forward(upstream, request, reply, { userId, concertId, activeUntil: activeUntil ?? undefined })
    },
  )

  app.post<{ Params: ConcertParams; Body: PaymentRequest }>(
    '/api/concerts/:concertId/payments',
    {
      schema: {
        tags: ['reservations'],
        summary: 'Pay for holds; ends the queue token (a retry with it still gets the first answer)',
        security: user,
        params: ConcertParams,
        headers: Type.Intersect([QueueTokenHeaders, IdempotencyHeaders]),
        body: PaymentRequest,
        response: { 200: Payment, 201: Payment, ...errorResponses(400, 401, 403, 404, 409, 410, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { concertId } = request.params
      const admitted = await gate.admit(request, concertId, { payment: true })
      return forward(upstream, request, reply, {
        userId: admitted.userId,
        concertId,
        onResponse: (r, res) => {
          if (res.statusCode !== 200 && res.statusCode !== 201) {
            r.send(res.stream)
            return
          }
          // The slot is freed before the client hears of the payment.
          line
            .finishPaid(admitted.claims)
            .catch((err: Error) => request.log.error({ err: err.message }, 'could not end the token after a payment'))
            .finally(() => r.send(res.stream))
        },
      })
    },
  )

  const identityOnly = (
    method: 'GET' | 'POST',
    url: string,
    summary: string,
    response: Record<number, unknown>,
    extra: Record<string, unknown> = {},
  ) =>
    app.route({
      method,
      url,
      schema: { tags: ['users'], summary, security: user, response: { ...errorResponses(400, 401, 429, 503), ...response }, ...extra },
      handler: async (request, reply) => forward(upstream, request, reply, { userId: requireUser(request, config) }),
    })

  identityOnly('GET', '/api/users/me/balance', 'The caller’s balance', { 200: Balance })
  identityOnly('POST', '/api/users/me/balance/charges', 'Add money to the balance', { 201: ChargeResponse, 409: errorResponses(409)[409]!, 422: errorResponses(422)[422]! }, {
    body: ChargeRequest,
    headers: IdempotencyHeaders,
  })
  identityOnly('GET', '/api/users/me/reservations', 'The caller’s reservations, newest first', { 200: ReservationList })
  identityOnly('GET', '/api/users/me/payments', 'The caller’s payments, newest first', { 200: PaymentHistory })
  identityOnly(
    'POST',
    '/api/users/me/payments/:paymentId/refund',
    'Refund one of the caller’s payments, whole, before its first show (idempotent with Idempotency-Key)',
    { 200: Refund, ...errorResponses(404, 409, 422) },
    { params: PaymentParams, headers: IdempotencyHeaders },
  )
}
