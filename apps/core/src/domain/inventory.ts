/** The inventory the admission tick reads: the concerts asked for that exist, each with what it has left to sell. */
import { ApiError, type ConcertInventory } from '@rushgate/shared'
import { readInventory } from '../data-access/inventory.ts'
import type { Executor } from '../db/client.ts'

const MAX_ID = 2_147_483_647

/** `concertIds` as the query gives it ("1,2,3", already matched by the schema's pattern). */
export async function inventory(db: Executor, concertIds: string): Promise<ConcertInventory[]> {
  const ids = [...new Set(concertIds.split(',').map(Number))]
  const tooLarge = ids.find((id) => id > MAX_ID)
  if (tooLarge !== undefined) throw new ApiError('VALIDATION_ERROR', `concertIds: ${tooLarge} is not a concert id (at most ${MAX_ID})`)
  return readInventory(db, ids)
}
