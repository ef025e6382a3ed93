/**
 * Every error code of the public contract (docs/api.md), with the HTTP status it is sent with.
 * This is the one place a code and its status are written; both apps throw `ApiError`s built here.
 */
export const ErrorCodes = {
  VALIDATION_ERROR: 400,
  UNAUTHENTICATED: 401,
  QUEUE_TOKEN_MISSING: 401,
  QUEUE_TOKEN_INVALID: 401,
  QUEUE_TOKEN_USER_MISMATCH: 403,
  QUEUE_TOKEN_WRONG_CONCERT: 403,
  QUEUE_NOT_ACTIVE: 403,
  PROOF_OF_WORK_REQUIRED: 403,
  PROOF_OF_WORK_INVALID: 403,
  NOT_FOUND: 404,
  CONCERT_NOT_FOUND: 404,
  SCHEDULE_NOT_FOUND: 404,
  SEAT_NOT_FOUND: 404,
  SECTION_NOT_FOUND: 404,
  GRADE_NOT_FOUND: 404,
  RESERVATION_NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  SEAT_UNAVAILABLE: 409,
  NOT_ENOUGH_SEATS: 409,
  HOLD_LIMIT_REACHED: 409,
  TICKET_LIMIT_REACHED: 409,
  HOLD_EXPIRED: 409,
  HOLD_ALREADY_EXTENDED: 409,
  RESERVATION_PAID: 409,
  SCHEDULE_CLOSED: 409,
  INSUFFICIENT_BALANCE: 409,
  BALANCE_LIMIT: 409,
  PAYMENT_REFUNDED: 409,
  QUEUE_CLOSED: 409,
  NOT_OPEN_YET: 409,
  ALREADY_OPEN: 409,
  SOLD_OUT: 409,
  QUEUE_TOKEN_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
  UPSTREAM_UNAVAILABLE: 503,
} as const

export type ErrorCode = keyof typeof ErrorCodes

/** Why a turn ended: the `reason` every 410 QUEUE_TOKEN_EXPIRED carries. */
export const EXPIRED_REASONS = ['EXPIRED', 'PAID', 'LEFT', 'ABANDONED', 'REPLACED', 'SOLD_OUT'] as const
export type ExpiredReason = (typeof EXPIRED_REASONS)[number]

/** The body of every non-2xx response: `{ statusCode, code, message }` plus the code's extra fields. */
export interface ErrorBody {
  statusCode: number
  code: ErrorCode
  message: string
  [extra: string]: unknown
}

/** An error that is meant for the client: its code, status and message are sent as they are. */
export class ApiError extends Error {
  readonly statusCode: number
  readonly code: ErrorCode
  readonly extra: Record<string, unknown>

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.statusCode = ErrorCodes[code]
    this.extra = extra
  }

  toBody(): ErrorBody {
    return { ...this.extra, statusCode: this.statusCode, code: this.code, message: this.message }
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError
}

const EXPIRED_MESSAGES: Record<ExpiredReason, string> = {
  EXPIRED: 'the queue token has ended: its active time ran out',
  PAID: 'the queue token has ended: its turn was paid',
  LEFT: 'the queue token has ended: its user left the line',
  ABANDONED: 'the queue token has ended: its place was abandoned (not asked for in time)',
  REPLACED: 'the queue token has ended: its user has a newer turn',
  SOLD_OUT: 'the queue token has ended: every place of the concert is sold',
}

/** 410 QUEUE_TOKEN_EXPIRED with its reason: the one way every part of the project builds it. */
export function queueTokenExpired(reason: ExpiredReason): ApiError {
  return new ApiError('QUEUE_TOKEN_EXPIRED', EXPIRED_MESSAGES[reason], { reason })
}
