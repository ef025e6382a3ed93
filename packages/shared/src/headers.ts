/** Header names of the contract, lower-case as Node hands them over. */
export const Headers = {
  userId: 'x-user-id',
  queueToken: 'x-queue-token',
  internalToken: 'x-internal-token',
  idempotencyKey: 'idempotency-key',
  authorization: 'authorization',
  /**
   * Gateway → core only: the `activeUntil` of the queue token a request came with, so that a hold
   * never outlives the token it was taken with. Trusted only together with the internal token.
   */
  activeUntil: 'x-queue-active-until',
} as const

/** 1–64 characters of `[A-Za-z0-9_-]`: a user id, as the contract defines it. */
export const USER_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'
export const USER_ID_REGEX = new RegExp(USER_ID_PATTERN)

/** `Idempotency-Key` is 1–64 characters. */
export const IDEMPOTENCY_KEY_MAX = 64

/** A balance never exceeds this many won; one charge is 1..MAX_CHARGE. */
export const MAX_BALANCE = 1_000_000_000
export const MAX_CHARGE = 10_000_000
/** Seats per schedule when a concert is created. */
export const MAX_SEATS_PER_SCHEDULE = 1000
