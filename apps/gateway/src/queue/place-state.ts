/** Where a token's turn stands: what the line's scripts and the replica's mirror both answer. */
import type { ExpiredReason } from '@rushgate/shared'

export type PlaceState =
  | { status: 'ACTIVE'; activeUntil: number; ghostAfterSeconds: number | null }
  | { status: 'PREQUEUE'; opensAt: number | null; estimatedWaitSeconds: number; ghostAfterSeconds: number | null }
  | { status: 'WAITING'; position: number | null; estimatedWaitSeconds: number; ghostAfterSeconds: number | null }
  | { status: 'ENDED'; reason: ExpiredReason }
