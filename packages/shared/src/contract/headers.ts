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
  /**
   * Core → gateway only: the seat maps a write changed (`<concertId>:<scheduleId>`, comma-separated;
   * see `formatSeatMapRefs`), so that every gateway's seat-map cache drops them. The gateway strips
   * it from the answer.
   */
  seatMapsChanged: 'x-seat-maps-changed',
  /**
   * Core → gateway only, on a seat map: milliseconds until its earliest live hold runs out, when
   * the map changes by itself (absent when no hold is live). The gateway strips it from the answer.
   */
  seatMapFreshMs: 'x-seat-map-fresh-ms',
} as const

/** 1–64 characters of `[A-Za-z0-9_-]`: a user id, as the contract defines it. */
export const USER_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'
export const USER_ID_REGEX = new RegExp(USER_ID_PATTERN)

/** One schedule's seat map, as `x-seat-maps-changed` names it. */
export interface SeatMapRef {
  concertId: number
  scheduleId: number
}

/** `7:12,7:13`: the value of `x-seat-maps-changed`. */
export function formatSeatMapRefs(refs: readonly SeatMapRef[]): string {
  return refs.map((r) => `${r.concertId}:${r.scheduleId}`).join(',')
}

/** The refs of an `x-seat-maps-changed` value; anything that is not a pair of positive ids is left out. */
export function parseSeatMapRefs(value: unknown): SeatMapRef[] {
  if (typeof value !== 'string' || value === '') return []
  const refs: SeatMapRef[] = []
  for (const part of value.split(',')) {
    const [concertId, scheduleId] = part.split(':').map(Number)
    if (Number.isSafeInteger(concertId) && Number.isSafeInteger(scheduleId) && concertId! > 0 && scheduleId! > 0) {
      refs.push({ concertId: concertId!, scheduleId: scheduleId! })
    }
  }
  return refs
}
