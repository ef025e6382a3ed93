/**
 * A thin client of the public contract (docs/api.md) over an undici Pool: many kept-alive
 * connections shared by thousands of virtual users. Every call resolves with the status and the parsed
 * body — a non-2xx is data for the caller to count, not an exception. Only a network failure throws.
 */
import { randomUUID } from 'node:crypto'
import {
  type AdminConcert,
  type Balance,
  type ChargeResponse,
  type CreatedConcert,
  type Draw,
  type NewConcert,
  type ErrorBody as ErrorReply,
  type GroupHold,
  type GroupHoldRequest,
  Headers as H,
  type Payment,
  type PaymentHistoryItem,
  type QueueSettings,
  type QueueSettingsPatch,
  type QueueTokenState as TokenState,
  type Refund,
  type Reservation as Hold,
  type SalesReport,
  type Schedule,
  type Seat,
  type SectionsSummary,
} from '@rushgate/shared'
import { Pool } from 'undici'

export interface Reply<T = unknown> {
  status: number
  body: T
  /** seconds, from the `Retry-After` header of a 429 */
  retryAfter?: number
}

/** The contract's shapes, as the load tests read them (a hold is the contract's Reservation). */
export type { CreatedConcert, NewConcert, ErrorBody as ErrorReply, Payment, QueueSettings, Schedule, Seat } from '@rushgate/shared'
export type { GroupHold, GroupHoldRequest, QueueTokenState as TokenState, Reservation as Hold, SectionsSummary } from '@rushgate/shared'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

export class HttpClient {
  readonly pool: Pool

  constructor(
    readonly origin: string,
    connections = 64,
    private readonly baseHeaders: Record<string, string> = {},
  ) {
    this.pool = new Pool(origin, {
      connections,
      pipelining: 1,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      keepAliveTimeout: 60_000,
    })
  }

  async call<T>(method: Method, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Reply<T>> {
    const res = await this.pool.request({
      method,
      path,
      headers: {
        ...this.baseHeaders,
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.body.text()
    const retryAfter = res.headers['retry-after']
    return {
      status: res.statusCode,
      body: (text ? JSON.parse(text) : null) as T,
      ...(retryAfter === undefined ? {} : { retryAfter: Number(retryAfter) }),
    }
  }

  close(): Promise<void> {
    return this.pool.close()
  }
}

/** The calls of one user (or of the admin) against the gateway, or the core with the internal token. */
export class Api {
  constructor(
    readonly http: HttpClient,
    private readonly adminToken = '',
  ) {}

  private admin() {
    return { authorization: `Bearer ${this.adminToken}` }
  }

  createConcert(body: NewConcert) {
    return this.http.call<CreatedConcert>('POST', '/api/admin/concerts', this.admin(), body)
  }

  queue(concertId: number) {
    return this.http.call<QueueSettings>('GET', `/api/admin/queues/${concertId}`, this.admin())
  }

  patchQueue(concertId: number, patch: QueueSettingsPatch) {
    return this.http.call<QueueSettings>('PATCH', `/api/admin/queues/${concertId}`, this.admin(), patch)
  }

  patchConcert(concertId: number, patch: { maxTicketsPerUser: number | null }) {
    return this.http.call<AdminConcert>('PATCH', `/api/admin/concerts/${concertId}`, this.admin(), patch)
  }

  sales(concertId: number) {
    return this.http.call<SalesReport>('GET', `/api/admin/concerts/${concertId}/sales`, this.admin())
  }

  charge(userId: string, amount: number, idempotencyKey: string = randomUUID()) {
    return this.http.call<ChargeResponse>(
      'POST',
      '/api/users/me/balance/charges',
      { [H.userId]: userId, [H.idempotencyKey]: idempotencyKey },
      { amount },
    )
  }

  balance(userId: string) {
    return this.http.call<Balance>('GET', '/api/users/me/balance', { [H.userId]: userId })
  }

  reservations(userId: string) {
    return this.http.call<Hold[]>('GET', '/api/users/me/reservations', { [H.userId]: userId })
  }

  payments(userId: string) {
    return this.http.call<PaymentHistoryItem[]>('GET', '/api/users/me/payments', { [H.userId]: userId })
  }

  refund(userId: string, paymentId: number, idempotencyKey: string = randomUUID()) {
    return this.http.call<Refund>('POST', `/api/users/me/payments/${paymentId}/refund`, {
      [H.userId]: userId,
      [H.idempotencyKey]: idempotencyKey,
    })
  }

  join(userId: string, concertId: number) {
    return this.http.call<TokenState>('POST', `/api/queues/${concertId}/tokens`, { [H.userId]: userId })
  }

  tokenState(userId: string, concertId: number, token: string) {
    return this.http.call<TokenState>('GET', `/api/queues/${concertId}/tokens/current`, withToken(userId, token))
  }

  draw(concertId: number) {
    return this.http.call<Draw>('GET', `/api/admin/queues/${concertId}/draw`, this.admin())
  }

  leave(userId: string, concertId: number, token: string) {
    return this.http.call<null>('DELETE', `/api/queues/${concertId}/tokens/current`, withToken(userId, token))
  }

  schedules(userId: string, concertId: number, token: string) {
    return this.http.call<Schedule[]>('GET', `/api/concerts/${concertId}/schedules`, withToken(userId, token))
  }

  seats(userId: string, concertId: number, scheduleId: number, token: string) {
    return this.http.call<Seat[]>(
      'GET',
      `/api/concerts/${concertId}/schedules/${scheduleId}/seats`,
      withToken(userId, token),
    )
  }

  /** The grades and sections of a date, with what is left. */
  sections(userId: string, concertId: number, scheduleId: number, token: string) {
    return this.http.call<SectionsSummary>('GET', `/api/concerts/${concertId}/schedules/${scheduleId}/sections`, withToken(userId, token))
  }

  /** The seat map of one section of a date. */
  sectionSeats(userId: string, concertId: number, scheduleId: number, section: string, token: string) {
    return this.http.call<Seat[]>(
      'GET',
      `/api/concerts/${concertId}/schedules/${scheduleId}/seats?section=${encodeURIComponent(section)}`,
      withToken(userId, token),
    )
  }

  /** Several places at once, all or none: chosen seats, best available or standing. */
  holdPlaces(userId: string, concertId: number, token: string, body: GroupHoldRequest) {
    return this.http.call<GroupHold>('POST', `/api/concerts/${concertId}/holds`, withToken(userId, token), body)
  }

  hold(userId: string, concertId: number, token: string, scheduleId: number, seatNumber: number) {
    return this.http.call<Hold>('POST', `/api/concerts/${concertId}/reservations`, withToken(userId, token), {
      scheduleId,
      seatNumber,
    })
  }

  pay(userId: string, concertId: number, token: string, reservationIds: number[], idempotencyKey: string = randomUUID()) {
    return this.http.call<Payment>(
      'POST',
      `/api/concerts/${concertId}/payments`,
      { ...withToken(userId, token), [H.idempotencyKey]: idempotencyKey },
      { reservationIds },
    )
  }
}

function withToken(userId: string, token: string): Record<string, string> {
  return { [H.userId]: userId, [H.queueToken]: token }
}

/** Throws unless the reply has the expected status: for setup steps, where anything else is a bug. */
export function expectStatus<T>(reply: Reply<T>, expected: number | number[], what: string): T {
  const ok = Array.isArray(expected) ? expected.includes(reply.status) : reply.status === expected
  if (!ok) throw new Error(`${what}: expected ${expected}, got ${reply.status} ${JSON.stringify(reply.body)}`)
  return reply.body
}

/** The contract's error code of a reply, or `HTTP_<status>` when the body has none. */
export function errorCode(reply: Reply): string {
  const body = reply.body as Partial<ErrorReply> | null
  return body && typeof body.code === 'string' ? body.code : `HTTP_${reply.status}`
}
