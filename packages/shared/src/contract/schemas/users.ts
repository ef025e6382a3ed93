/** A user's balance and its charges. */
import Type, { type Static } from 'typebox'
import { MAX_CHARGE } from '../limits.ts'
import { UserId, Won } from './common.ts'

export const Balance = Type.Object({ userId: UserId, balance: Won })
export type Balance = Static<typeof Balance>

export const ChargeRequest = Type.Object(
  { amount: Type.Integer({ minimum: 1, maximum: MAX_CHARGE, description: 'won to add' }) },
  { additionalProperties: false },
)
export type ChargeRequest = Static<typeof ChargeRequest>

export const ChargeResponse = Type.Object({ userId: UserId, balance: Won, charged: Won })
export type ChargeResponse = Static<typeof ChargeResponse>
