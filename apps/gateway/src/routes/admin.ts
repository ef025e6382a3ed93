/** Administration (contract § Administration): concert creation through to the core, line settings. */
import {
  ADMIN_CONCERT_BODY_LIMIT_BYTES,
  AdminConcert,
  ConcertParams,
  ConcertPatch,
  CreatedConcert,
  Draw,
  HistoryQuery,
  NewConcert,
  QueueSettings,
  QueueHistory,
  QueueSettingsPatch,
  SalesReport,
} from '@rushgate/shared'
import { errorResponses } from '@rushgate/shared/fastify'
import type { FastifyInstance } from 'fastify'
import type { GatewayContext } from '../context.ts'
import { adminGuard } from '../plugins/admin-auth.ts'
import { forward, readBody } from '../core/forward.ts'

export async function adminRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { config, concerts, settings, history, opening, upstream } = ctx
  // onRequest: an unauthorised caller learns nothing, not even whether the body was valid.
  app.addHook('onRequest', adminGuard(config.adminToken))
  const admin = [{ admin: [] }]

  app.post<{ Body: NewConcert }>(
    '/api/admin/concerts',
    {
      // A stadium's plan is larger than any other body.
      bodyLimit: ADMIN_CONCERT_BODY_LIMIT_BYTES,
      schema: {
        tags: ['admin'],
        summary: 'Create a concert (its waiting line exists at once)',
        security: admin,
        body: NewConcert,
        response: { 201: CreatedConcert, ...errorResponses(400, 401, 429, 503) },
      },
    },
    async (request, reply) =>
      forward(upstream, request, reply, {
        onResponse: (r, res) => {
          if (res.statusCode !== 201) {
            r.send(res.stream)
            return
          }
          readBody(res.stream)
            .then(async (body) => {
              const created = JSON.parse(body.toString('utf8')) as { id: number }
              await concerts.register(created.id).catch((err: Error) => {
                // The core has it; the gateway will learn it from the core on first use.
                request.log.warn({ err: err.message }, 'could not register a new concert in redis')
              })
              r.send(body)
            })
            .catch((err: Error) => r.send(err))
        },
      }),
  )

  app.patch<{ Params: ConcertParams; Body: ConcertPatch }>(
    '/api/admin/concerts/:concertId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Set or clear the concert’s ticket limit (paid seats plus live holds per user)',
        security: admin,
        params: ConcertParams,
        body: ConcertPatch,
        response: { 200: AdminConcert, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => forward(upstream, request, reply),
  )

  app.get<{ Params: ConcertParams }>(
    '/api/admin/concerts/:concertId/sales',
    {
      schema: {
        tags: ['admin'],
        summary: 'Seats, payments, refunds and revenue of a concert',
        security: admin,
        params: ConcertParams,
        response: { 200: SalesReport, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => forward(upstream, request, reply),
  )

  app.get<{ Params: ConcertParams }>(
    '/api/admin/queues/:concertId',
    {
      schema: {
        tags: ['admin'],
        summary: 'The line of a concert: sizes and settings',
        security: admin,
        params: ConcertParams,
        response: { 200: QueueSettings, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request) => {
      await concerts.assertExists(request.params.concertId)
      return settings.read(request.params.concertId)
    },
  )

  app.patch<{ Params: ConcertParams; Body: QueueSettingsPatch }>(
    '/api/admin/queues/:concertId',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Change the line’s settings: joins and views follow at once, admission from the next tick; opensAt only before the opening (409 ALREADY_OPEN)',
        security: admin,
        params: ConcertParams,
        body: QueueSettingsPatch,
        response: { 200: QueueSettings, ...errorResponses(400, 401, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      await concerts.assertExists(request.params.concertId)
      return settings.update(request.params.concertId, request.body)
    },
  )

  app.get<{ Params: ConcertParams }>(
    '/api/admin/queues/:concertId/draw',
    {
      schema: {
        tags: ['admin'],
        summary: 'The draw of the opening: seed, commitment and the pre-queue’s order (409 NOT_OPEN_YET before the opening)',
        security: admin,
        params: ConcertParams,
        response: { 200: Draw, ...errorResponses(400, 401, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      await concerts.assertExists(request.params.concertId)
      return opening.draw(request.params.concertId)
    },
  )

  app.get<{ Params: ConcertParams; Querystring: HistoryQuery }>(
    '/api/admin/queues/:concertId/history',
    {
      schema: {
        tags: ['admin'],
        summary:
          'The line over the last `minutes` (1–1,440, default 60), oldest first: one sample a tick, or past 1,440 samples consecutive ticks aggregated evenly',
        description:
          '`waiting` and `active` as the sample’s (last) tick left them; `admitted` and `abandoned` counted since the previous sample. Kept 25 hours, the same on every replica.',
        security: admin,
        params: ConcertParams,
        querystring: HistoryQuery,
        response: { 200: QueueHistory, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request) => {
      await concerts.assertExists(request.params.concertId)
      return history.read(request.params.concertId, request.query.minutes)
    },
  )
}
