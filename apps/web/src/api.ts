/**
 * The client of the public API (docs/api.md), same origin as the page. Every failure becomes
 * an `ApiFailure` carrying the contract's error code, so the views have one thing to handle: a
 * network error or a timeout is `UPSTREAM_UNAVAILABLE`, just like a 503 from the gateway.
 */
import {
  type Balance,
  type ChargeResponse,
  type ClientConfig,
  type ConcertSummary,
  type GroupHold,
  type GroupHoldRequest,
  Headers,
  type Payment,
  type PaymentHistoryItem,
  type PublicQueue,
  type QueueTokenState,
  type Refund,
  type Reservation,
  type Schedule,
  type Seat,
  type SectionsSummary,
} from '@rushgate/shared'
import type { PowChallenge } from './proof-of-work.ts'

/** A request that hangs longer than this is given up and reported as the service being unavailable. */
const REQUEST_TIMEOUT_MS = 10_000

export class ApiFailure extends Error {
  readonly status: number
  readonly code: string
  readonly body: Record<string, unknown>
  /** From `Retry-After`, when the server sent one. */
  readonly retryAfterMs: number | null

  constructor(status: number, code: string, message: string, body: Record<string, unknown>, retryAfterMs: number | null) {
    super(message)
    this.name = 'ApiFailure'
    this.status = status
    this.code = code
    this.body = body
    this.retryAfterMs = retryAfterMs
  }
}

interface CallOptions {
  method?: 'GET' | 'POST' | 'DELETE'
  /** The identity headers (X-User-Id, or Authorization with the current JWT). */
  auth: () => Record<string, string>
  queueToken?: string | null
  body?: unknown
  idempotencyKey?: string
  /** Sent as If-None-Match; a 304 then resolves to `NOT_MODIFIED`. */
  etag?: string | null
  /** A solved proof of work (proof-of-work.ts), sent as X-Proof-Of-Work. */
  proofOfWork?: string
}

/** What a conditional GET resolves to when the server says the page's copy is still current. */
export const NOT_MODIFIED = Symbol('not modified')

/** A seat map and its ETag, for asking again with If-None-Match. */
export interface SeatMapAnswer {
  seats: Seat[]
  etag: string | null
}

/** A date's sections summary and its ETag, for asking again with If-None-Match. */
export interface SectionsAnswer {
  summary: SectionsSummary
  etag: string | null
}

function retryAfter(res: Response): number | null {
  const value = res.headers.get('retry-after')
  if (value === null) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now())
}

/** The code a response without a contract body stands for (a proxy's HTML page, say). */
function codeForStatus(status: number): string {
  if (status === 429) return 'RATE_LIMITED'
  if (status >= 500) return 'UPSTREAM_UNAVAILABLE'
  return 'UNKNOWN'
}

async function call<T>(path: string, options: CallOptions): Promise<T> {
  return (await request<T>(path, options)).body
}

async function request<T>(path: string, options: CallOptions): Promise<{ body: T; headers: globalThis.Headers }> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.auth() }
  if (options.queueToken) headers[Headers.queueToken] = options.queueToken
  if (options.idempotencyKey) headers[Headers.idempotencyKey] = options.idempotencyKey
  if (options.etag) headers['if-none-match'] = options.etag
  if (options.proofOfWork) headers[Headers.proofOfWork] = options.proofOfWork
  let body: string | undefined
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.body)
  }

  let res: Response
  try {
    res = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      // The page keeps the seat map and its ETag itself; the browser's cache would only hide the 304.
      cache: 'no-store',
    })
  } catch {
    throw new ApiFailure(0, 'UPSTREAM_UNAVAILABLE', 'The service could not be reached.', {}, null)
  }

  if (res.status === 204) return { body: undefined as T, headers: res.headers }
  if (res.status === 304) return { body: NOT_MODIFIED as T, headers: res.headers }
  const text = await res.text().catch(() => '')
  let json: unknown = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    json = null
  }
  if (res.ok) return { body: json as T, headers: res.headers }

  const errorBody = json && typeof json === 'object' ? (json as Record<string, unknown>) : {}
  const code = typeof errorBody.code === 'string' ? errorBody.code : codeForStatus(res.status)
  const message = typeof errorBody.message === 'string' ? errorBody.message : res.statusText
  throw new ApiFailure(res.status, code, message, errorBody, retryAfter(res))
}

/** A random `Idempotency-Key`; works on plain http too, where `crypto.randomUUID` is missing. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** `GET /api/config`: how this gateway identifies users; asked before anyone is signed in. */
export function clientConfig(): Promise<ClientConfig> {
  return call<ClientConfig>('/api/config', { auth: () => ({}) })
}

/** The API as `userId`; `auth` gives the headers that say so (see auth.ts). */
export function createApi(userId: string, auth: () => Record<string, string>) {
  const concert = (id: number) => `/api/concerts/${id}`
  const queue = (id: number) => `/api/queues/${id}/tokens`
  return {
    userId,
    concerts: () => call<ConcertSummary[]>('/api/concerts', { auth }),

    /** The public view of a line: its state, sale window and the draw's commitment (and seed, once open). */
    line: (concertId: number) => call<PublicQueue>(`/api/queues/${concertId}`, { auth }),
    /** Joins the line; `proofOfWork` when the line asked for one (403 PROOF_OF_WORK_REQUIRED). */
    joinQueue: (concertId: number, proofOfWork?: string) =>
      call<QueueTokenState>(queue(concertId), { method: 'POST', auth, proofOfWork }),
    challenge: (concertId: number) => call<PowChallenge>(`/api/queues/${concertId}/challenge`, { auth }),
    tokenState: (concertId: number, queueToken: string) =>
      call<QueueTokenState>(`${queue(concertId)}/current`, { auth, queueToken }),
    leaveQueue: (concertId: number, queueToken: string) =>
      call<void>(`${queue(concertId)}/current`, { method: 'DELETE', auth, queueToken }),

    schedules: (concertId: number, queueToken: string) =>
      call<Schedule[]>(`${concert(concertId)}/schedules`, { auth, queueToken }),
    /**
     * The seat map of a date, or with `section` of one of its sections; with the ETag of the copy
     * the page has, NOT_MODIFIED while it is still current.
     */
    seats: async (concertId: number, scheduleId: number, queueToken: string, etag: string | null = null, section: string | null = null) => {
      const query = section === null ? '' : `?section=${encodeURIComponent(section)}`
      const res = await request<Seat[] | typeof NOT_MODIFIED>(`${concert(concertId)}/schedules/${scheduleId}/seats${query}`, { auth, queueToken, etag })
      return res.body === NOT_MODIFIED ? NOT_MODIFIED : ({ seats: res.body, etag: res.headers.get('etag') } satisfies SeatMapAnswer)
    },
    /** The grades and sections of a date with what is left; NOT_MODIFIED while the page's copy is current. */
    sections: async (concertId: number, scheduleId: number, queueToken: string, etag: string | null = null) => {
      const res = await request<SectionsSummary | typeof NOT_MODIFIED>(`${concert(concertId)}/schedules/${scheduleId}/sections`, { auth, queueToken, etag })
      return res.body === NOT_MODIFIED ? NOT_MODIFIED : ({ summary: res.body, etag: res.headers.get('etag') } satisfies SectionsAnswer)
    },
    /** Several places at once, all or none: chosen seats, best available, or standing places by quantity. */
    holdGroup: (concertId: number, body: GroupHoldRequest, queueToken: string) =>
      call<GroupHold>(`${concert(concertId)}/holds`, { method: 'POST', auth, queueToken, body }),
    hold: (concertId: number, scheduleId: number, seatNumber: number, queueToken: string) =>
      call<Reservation>(`${concert(concertId)}/reservations`, {
        method: 'POST',
        auth,
        queueToken,
        body: { scheduleId, seatNumber },
      }),
    extend: (concertId: number, reservationId: number, queueToken: string) =>
      call<Reservation>(`${concert(concertId)}/reservations/${reservationId}/extension`, { method: 'POST', auth, queueToken }),
    release: (concertId: number, reservationId: number, queueToken: string) =>
      call<void>(`${concert(concertId)}/reservations/${reservationId}`, { method: 'DELETE', auth, queueToken }),
    pay: (concertId: number, reservationIds: number[], queueToken: string, idempotencyKey: string) =>
      call<Payment>(`${concert(concertId)}/payments`, {
        method: 'POST',
        auth,
        queueToken,
        idempotencyKey,
        body: { reservationIds },
      }),

    balance: () => call<Balance>('/api/users/me/balance', { auth }),
    charge: (amount: number, idempotencyKey: string) =>
      call<ChargeResponse>('/api/users/me/balance/charges', {
        method: 'POST',
        auth,
        idempotencyKey,
        body: { amount },
      }),
    reservations: () => call<Reservation[]>('/api/users/me/reservations', { auth }),
    payments: () => call<PaymentHistoryItem[]>('/api/users/me/payments', { auth }),
    refund: (paymentId: number, idempotencyKey: string) =>
      call<Refund>(`/api/users/me/payments/${paymentId}/refund`, { method: 'POST', auth, idempotencyKey }),
  }
}

export type Api = ReturnType<typeof createApi>
