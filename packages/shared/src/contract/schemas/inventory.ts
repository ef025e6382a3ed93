/** The core's inventory of concerts, read by the gateway's admission tick (internal: the core only). */
import Type, { type Static } from 'typebox'
import { MAX_INVENTORY_CONCERTS } from '../limits.ts'
import { Id } from './common.ts'

export const InventoryQuery = Type.Object({
  concertIds: Type.String({
    pattern: `^[1-9][0-9]{0,9}(,[1-9][0-9]{0,9}){0,${MAX_INVENTORY_CONCERTS - 1}}$`,
    description: `1–${MAX_INVENTORY_CONCERTS} concert ids, comma-separated`,
  }),
})
export type InventoryQuery = Static<typeof InventoryQuery>

/** What a concert has left to sell, counting only the dates that have not started. */
export const ConcertInventory = Type.Object({
  concertId: Id,
  dates: Type.Integer({ minimum: 0, description: 'dates that have not started' }),
  available: Type.Integer({ minimum: 0, description: 'free places' }),
  held: Type.Integer({ minimum: 0, description: 'places under a live hold' }),
  holders: Type.Integer({ minimum: 0, description: 'distinct users with at least one live hold' }),
})
export const InventoryList = Type.Array(ConcertInventory)
export type ConcertInventory = Static<typeof ConcertInventory>
