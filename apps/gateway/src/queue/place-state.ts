/** Where a token's turn stands: what the line's scripts and the replica's mirror both answer. */
import type { ExpiredReason } from '@rushgate/shared'

/** `seatsLeft`: places free or held at the line's last tick; null before its first. */
export type PlaceState =
  | { status: 'ACTIVE'; activeUntil: number; ghostAfterSeconds: number | null }
  | {
      status: 'PREQUEUE'
      opensAt: number | null
      estimatedWaitSeconds: number
      ghostAfterSeconds: number | null
      seatsLeft: number | null
    }
  | {
      status: 'WAITING'
      position: number | null
      estimatedWaitSeconds: number
      ghostAfterSeconds: number | null
      seatsLeft: number | null
    }
  | { status: 'ENDED'; reason: ExpiredReason }
