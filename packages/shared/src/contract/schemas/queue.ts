/** The waiting line: token states, the public view of a line, its settings, the draw, proof of work, history. */
import Type, { type Static } from 'typebox'
import {
  GHOST_AFTER_MAX_SECONDS,
  HISTORY_MAX_MINUTES,
  PROOF_OF_WORK_MAX,
  PROOF_OF_WORK_MIN,
  TARGET_LATENCY_MAX_MS,
  TARGET_LATENCY_MIN_MS,
} from '../limits.ts'
import { Id, NullableTimestamp, Timestamp, UserId } from './common.ts'

/** PREQUEUE: joined before the line opened; WAITING: in line; ACTIVE: let in. */
export const QueueStatus = Type.Union([Type.Literal('PREQUEUE'), Type.Literal('WAITING'), Type.Literal('ACTIVE')])
export type QueueStatus = Static<typeof QueueStatus>

export const QueueTokenState = Type.Object({
  token: Type.String(),
  concertId: Id,
  status: QueueStatus,
  position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: '1 = next to be admitted; null when active, in the pre-queue or in random mode',
  }),
  estimatedWaitSeconds: Type.Integer({ minimum: 0 }),
  activeUntil: NullableTimestamp,
  opensAt: Type.Union([Timestamp, Type.Null()], { description: 'set while in the pre-queue' }),
  pollAfterMs: Type.Integer({ minimum: 0 }),
  seatsLeft: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'places free or under a live hold at the last tick; null until the line’s first tick, and when active',
  }),
})
export type QueueTokenState = Static<typeof QueueTokenState>

export const QueueMode = Type.Union([
  Type.Literal('fifo'),
  Type.Literal('random'),
  Type.Literal('passthrough'),
  Type.Literal('reject'),
])
export type QueueMode = Static<typeof QueueMode>

/**
 * PREQUEUE before opensAt; CLOSED after closesAt, in reject mode, or once every date has started;
 * SOLD_OUT while nothing is left to sell (CLOSED wins over it, it wins over the others).
 */
export const LineState = Type.Union([
  Type.Literal('PREQUEUE'),
  Type.Literal('OPEN'),
  Type.Literal('PAUSED'),
  Type.Literal('CLOSED'),
  Type.Literal('SOLD_OUT'),
])
export type LineState = Static<typeof LineState>

/** What limited the last tick's admission, the first that applies; null when it admitted admitPerTick. */
export const HeldBack = Type.Union([
  Type.Literal('REBUILDING'),
  Type.Literal('PREQUEUE'),
  Type.Literal('PAUSED'),
  Type.Literal('SOLD_OUT'),
  Type.Literal('NO_SEATS'),
  Type.Literal('MAX_ACTIVE'),
  Type.Literal('CORE_SLOW'),
  Type.Literal('EMPTY'),
  Type.Null(),
])
export type HeldBack = Static<typeof HeldBack>
export const HELD_BACK_REASONS = ['REBUILDING', 'PREQUEUE', 'PAUSED', 'SOLD_OUT', 'NO_SEATS', 'MAX_ACTIVE', 'CORE_SLOW', 'EMPTY'] as const

/** From the last tick's read of the core's inventory; null until the line's first tick. */
const SeatCount = (description: string) => Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description })
const SeatsAvailable = SeatCount('free places of the dates that have not started, at the last tick')
const SeatsHeld = SeatCount('places under a live hold, at the last tick')

const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$', description: '32 bytes, lowercase hex' })
const NullableHex64 = Type.Union([Hex64, Type.Null()])

/** What anyone may see of a line before joining it. Counts and wait may be up to one tick old. */
export const PublicQueue = Type.Object({
  concertId: Id,
  state: LineState,
  mode: QueueMode,
  opensAt: NullableTimestamp,
  closesAt: NullableTimestamp,
  waiting: Type.Integer({ minimum: 0 }),
  active: Type.Integer({ minimum: 0 }),
  admitPerTick: Type.Integer({ minimum: 0 }),
  estimatedWaitSeconds: Type.Integer({ minimum: 0, description: 'the wait of someone joining now' }),
  seedCommitment: Type.Union([Hex64, Type.Null()], { description: 'SHA-256 of the seed, once opensAt is set' }),
  seed: Type.Union([Hex64, Type.Null()], { description: 'the draw’s seed, from the opening' }),
  seatsAvailable: SeatsAvailable,
  seatsHeld: SeatsHeld,
  heldBack: HeldBack,
})
export type PublicQueue = Static<typeof PublicQueue>

const GhostAfterSeconds = Type.Integer({ minimum: 1, maximum: GHOST_AFTER_MAX_SECONDS })
const ProofOfWork = Type.Integer({ minimum: PROOF_OF_WORK_MIN, maximum: PROOF_OF_WORK_MAX })
const TargetLatencyMs = Type.Integer({ minimum: TARGET_LATENCY_MIN_MS, maximum: TARGET_LATENCY_MAX_MS })

export const QueueSettings = Type.Object({
  concertId: Id,
  waiting: Type.Integer({ minimum: 0 }),
  active: Type.Integer({ minimum: 0 }),
  admitPerTick: Type.Integer({ minimum: 0 }),
  maxActive: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  activeTtlSeconds: Type.Integer({ minimum: 1 }),
  paused: Type.Boolean(),
  admittedTotal: Type.Integer({ minimum: 0 }),
  mode: QueueMode,
  opensAt: NullableTimestamp,
  closesAt: NullableTimestamp,
  ghostAfterSeconds: Type.Union([GhostAfterSeconds, Type.Null()]),
  proofOfWork: Type.Union([ProofOfWork, Type.Null()]),
  abandonedTotal: Type.Integer({ minimum: 0 }),
  state: LineState,
  seedCommitment: NullableHex64,
  seatsAvailable: SeatsAvailable,
  seatsHeld: SeatsHeld,
  heldBack: HeldBack,
  adaptive: Type.Boolean(),
  targetLatencyMs: TargetLatencyMs,
  effectiveAdmitPerTick: Type.Integer({ minimum: 0, description: 'what the last tick admitted at most; admitPerTick unless adaptive' }),
  coreP95Ms: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
    description: 'p95 of the core’s latency for this concert over the last 5 ticks, all gateways; null without requests',
  }),
})
export type QueueSettings = Static<typeof QueueSettings>

export const QueueSettingsPatch = Type.Object(
  {
    admitPerTick: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    maxActive: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()])),
    activeTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    paused: Type.Optional(Type.Boolean()),
    mode: Type.Optional(QueueMode),
    opensAt: Type.Optional(NullableTimestamp),
    closesAt: Type.Optional(NullableTimestamp),
    ghostAfterSeconds: Type.Optional(Type.Union([GhostAfterSeconds, Type.Null()])),
    proofOfWork: Type.Optional(Type.Union([ProofOfWork, Type.Null()])),
    adaptive: Type.Optional(Type.Boolean()),
    targetLatencyMs: Type.Optional(TargetLatencyMs),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type QueueSettingsPatch = Static<typeof QueueSettingsPatch>

/** The pre-queue's order: users sorted by HMAC-SHA256(seed, userId), ascending. */
export const Draw = Type.Object({ seed: Hex64, seedCommitment: Hex64, order: Type.Array(UserId) })
export type Draw = Static<typeof Draw>

/** A proof-of-work challenge, in the ALTCHA format. */
export const Challenge = Type.Object({
  algorithm: Type.Literal('SHA-256'),
  challenge: Type.String({ description: 'hex SHA-256(salt + number) to find' }),
  maxnumber: Type.Integer({ minimum: 1 }),
  salt: Type.String({ description: 'carries the expiry' }),
  signature: Type.String({ description: 'the gateway’s HMAC over challenge' }),
})
export type Challenge = Static<typeof Challenge>

/** What `X-Proof-Of-Work` carries, as base64 of this JSON. */
export const ProofOfWorkSolution = Type.Object({
  algorithm: Type.Literal('SHA-256'),
  challenge: Type.String(),
  number: Type.Integer({ minimum: 0 }),
  salt: Type.String(),
  signature: Type.String(),
})
export type ProofOfWorkSolution = Static<typeof ProofOfWorkSolution>

export const HistoryQuery = Type.Object({
  // Optional to a client (a generated one need not send it); the handler sees the default applied.
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_MAX_MINUTES, default: 60 })),
})
/** As a handler sees it: validation has filled in the default. */
export type HistoryQuery = Required<Static<typeof HistoryQuery>>

export const HistorySample = Type.Object({
  at: Timestamp,
  waiting: Type.Integer({ minimum: 0 }),
  active: Type.Integer({ minimum: 0 }),
  admitted: Type.Integer({ minimum: 0, description: 'since the previous sample' }),
  abandoned: Type.Integer({ minimum: 0, description: 'since the previous sample' }),
  effectiveAdmitPerTick: Type.Integer({ minimum: 0, description: 'what the tick admitted at most (the lowest of a group)' }),
  coreP95Ms: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'the core’s p95 the tick saw (the highest of a group)' }),
})
export const QueueHistory = Type.Array(HistorySample)
export type HistorySample = Static<typeof HistorySample>
