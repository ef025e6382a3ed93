/** The contract's numeric limits: each written once, used by schemas, apps and the page alike. */

/** Request bodies above this size are 413 PAYLOAD_TOO_LARGE. The API's bodies are tiny. */
export const BODY_LIMIT_BYTES = 64 * 1024

/** `Idempotency-Key` is 1–64 characters. */
export const IDEMPOTENCY_KEY_MAX = 64

/** A balance never exceeds this many won; one charge is 1..MAX_CHARGE. */
export const MAX_BALANCE = 1_000_000_000
export const MAX_CHARGE = 10_000_000
/** Seats of a date created with the shorthand (`{ startsAt, seats, price }`); a larger date needs a plan. */
export const MAX_SEATS_PER_SCHEDULE = 5000
/** Places (seats plus standing capacity) of one date, and of a concert over all its dates. */
export const MAX_PLACES_PER_SCHEDULE = 100_000
export const MAX_PLACES_PER_CONCERT = 1_000_000
/** A date's whole seat map (without `section`), and a standing section's map, list at most this many places. */
export const MAX_WHOLE_MAP_PLACES = 5000
/** `POST /api/admin/concerts` takes bodies up to this size (a plan of a stadium); every other route BODY_LIMIT_BYTES. */
export const ADMIN_CONCERT_BODY_LIMIT_BYTES = 1024 * 1024
/** The seating plan's bounds. */
export const PLAN_LIMITS = {
  grades: 20,
  sections: 200,
  rows: 200,
  seatsPerRow: 500,
  standing: 100_000,
} as const
/** Places one `POST …/holds` asks for. */
export const MAX_GROUP = 10

/** `ghostAfterSeconds` of a line: 1 s to a day, or null for never. */
export const GHOST_AFTER_MAX_SECONDS = 86_400
/** `proofOfWork` difficulty (the challenge's `maxnumber`), or null for none. */
export const PROOF_OF_WORK_MIN = 1_000
export const PROOF_OF_WORK_MAX = 10_000_000
/** A proof-of-work challenge lasts this long. */
export const CHALLENGE_TTL_SECONDS = 300
/** `maxTicketsPerUser` of a concert, or null for no limit. */
export const MAX_TICKETS_PER_USER = 100
/** The line's history spans at most a day, in at most this many samples. */
export const HISTORY_MAX_MINUTES = 1440
export const HISTORY_MAX_SAMPLES = 1440
/** Concerts one inventory read of the core may ask for. */
export const MAX_INVENTORY_CONCERTS = 1000
/** `targetLatencyMs` of a line's adaptive admission: the core's p95 it aims under. */
export const TARGET_LATENCY_MIN_MS = 50
export const TARGET_LATENCY_MAX_MS = 10_000
export const TARGET_LATENCY_DEFAULT_MS = 800
