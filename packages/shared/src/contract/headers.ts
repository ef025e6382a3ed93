/** Header names of the contract, lower-case as Node hands them over (and as fetch accepts them). */
export const Headers = {
  userId: 'x-user-id',
  queueToken: 'x-queue-token',
  internalToken: 'x-internal-token',
  idempotencyKey: 'idempotency-key',
  authorization: 'authorization',
  proofOfWork: 'x-proof-of-work',
  retryAfter: 'retry-after',
  /**
   * Gateway → core only: the `activeUntil` of the queue token a request came with, so that a hold
   * never outlives the token it was taken with. Trusted only together with the internal token.
   */
  activeUntil: 'x-queue-active-until',
} as const

/** 1–64 characters of `[A-Za-z0-9_-]`: a user id, as the contract defines it. */
export const USER_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'
export const USER_ID_REGEX = new RegExp(USER_ID_PATTERN)
