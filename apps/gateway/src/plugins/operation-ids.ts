/**
 * The `operationId` of every operation in the OpenAPI document: the method name a generated client
 * gets (openapi-typescript, openapi-generator…), so it is named as a call reads in code. Keyed by
 * `METHOD /fastify/route/:param`; a route missing here fails test/openapi-lint.test.ts.
 */
export const OPERATION_IDS: Record<string, string> = {
  'GET /health/live': 'getLiveness',
  'GET /health/ready': 'getReadiness',
  'GET /metrics': 'getMetrics',
  'GET /api/config': 'getClientConfig',
  'GET /api/queues/:concertId': 'getQueue',
  'GET /api/queues/:concertId/challenge': 'getJoinChallenge',
  'POST /api/queues/:concertId/tokens': 'joinQueue',
  'GET /api/queues/:concertId/tokens/current': 'getQueueStatus',
  'DELETE /api/queues/:concertId/tokens/current': 'leaveQueue',
  'GET /api/queues/:concertId/tokens/current/events': 'streamQueueStatus',
  'GET /api/concerts': 'listConcerts',
  'GET /api/concerts/:concertId/schedules': 'listSchedules',
  'GET /api/concerts/:concertId/schedules/:scheduleId/seats': 'getScheduleSeats',
  'GET /api/concerts/:concertId/schedules/:scheduleId/sections': 'getScheduleSections',
  'POST /api/concerts/:concertId/holds': 'holdPlaces',
  'POST /api/concerts/:concertId/reservations': 'holdSeat',
  'DELETE /api/concerts/:concertId/reservations/:reservationId': 'releaseHold',
  'POST /api/concerts/:concertId/reservations/:reservationId/extension': 'extendHold',
  'POST /api/concerts/:concertId/payments': 'payReservations',
  'GET /api/users/me/balance': 'getBalance',
  'POST /api/users/me/balance/charges': 'chargeBalance',
  'GET /api/users/me/reservations': 'listMyReservations',
  'GET /api/users/me/payments': 'listMyPayments',
  'POST /api/users/me/payments/:paymentId/refund': 'refundPayment',
  'POST /api/admin/concerts': 'createConcert',
  'PATCH /api/admin/concerts/:concertId': 'updateConcert',
  'GET /api/admin/concerts/:concertId/sales': 'getConcertSales',
  'GET /api/admin/queues/:concertId': 'getQueueSettings',
  'PATCH /api/admin/queues/:concertId': 'updateQueueSettings',
  'GET /api/admin/queues/:concertId/draw': 'getOpeningDraw',
  'GET /api/admin/queues/:concertId/history': 'getQueueHistory',
}
