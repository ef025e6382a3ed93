/**
 * What the core keeps of each waiting line for the gateway (internal: the core only), so that a
 * Redis that lost its data gets the line back: its settings, the opening's seed and commitment,
 * the highest arrival sequence when it sold out, and the turns that ended by a payment.
 */
import Type, { type Static } from 'typebox'
import { UserId } from './common.ts'

const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })
const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' })

/** The gateway's settings hash as it holds it: field → value, both strings. */
export const LineSettingsHash = Type.Record(Type.String({ pattern: '^[A-Za-z]{1,32}$' }), Type.String({ maxLength: 32 }), {
  maxProperties: 32,
})

export const LineRecordWrite = Type.Object(
  {
    settings: Type.Optional(LineSettingsHash),
    seed: Type.Optional(Type.Union([Hex64, Type.Null()])),
    seedCommitment: Type.Optional(Type.Union([Hex64, Type.Null()])),
    /** Kept as the highest ever written. */
    soldOutSeq: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
)
export type LineRecordWrite = Static<typeof LineRecordWrite>

export const PaidTurn = Type.Object({ userId: UserId, seq: Seq }, { additionalProperties: false })
export type PaidTurn = Static<typeof PaidTurn>

export const LineRecord = Type.Object({
  /** false: the gateway never wrote this line (a new line, not a lost one). */
  known: Type.Boolean(),
  settings: LineSettingsHash,
  seed: Type.Union([Hex64, Type.Null()]),
  seedCommitment: Type.Union([Hex64, Type.Null()]),
  soldOutSeq: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** Turns paid in the last day (the gateway's own marker lasts a day). */
  paidTurns: Type.Array(PaidTurn),
})
export type LineRecord = Static<typeof LineRecord>
