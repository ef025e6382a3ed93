/** What the routes share: built once in app.ts and handed to each route module. */
import type { GatewayConfig } from './config.ts'
import type { CoreClient } from './core/client.ts'
import type { Upstream } from './core/forward.ts'
import type { Metrics } from './metrics.ts'
import type { ActiveGate } from './queue/active-gate.ts'
import type { ConcertRegistry } from './queue/concerts.ts'
import type { EventStreams } from './queue/event-streams.ts'
import type { LineHistoryLog } from './queue/history.ts'
import type { JoinGuard } from './queue/join-guard.ts'
import type { WaitingLine } from './queue/line.ts'
import type { Opening } from './queue/opening.ts'
import type { Presence } from './queue/presence.ts'
import type { ProofOfWork } from './queue/proof-of-work.ts'
import type { LineScripts } from './queue/scripts.ts'
import type { LineSettings } from './queue/settings.ts'
import type { RedisClient } from './redis/client.ts'
import type { RedisKeys } from './redis/keys.ts'
import type { SeatMapCache } from './seat-maps/cache.ts'
import type { SeatMapVersions } from './seat-maps/versions.ts'

export interface GatewayContext {
  config: GatewayConfig
  keys: RedisKeys
  redis: RedisClient & LineScripts
  line: WaitingLine
  /** Lets only ACTIVE tokens through to the core's concert routes. */
  gate: ActiveGate
  settings: LineSettings
  /** The lines' history, one sample per tick (GET /api/admin/queues/:id/history). */
  history: LineHistoryLog
  /** Marks places as asked for (polls, event streams); written to Redis in batches. */
  presence: Presence
  /** The open event streams of this process. */
  streams: EventStreams
  opening: Opening
  /** Reads a join's proof of work, and issues the challenges (queue/proof-of-work.ts). */
  joinGuard: JoinGuard & Pick<ProofOfWork, 'challenge'>
  concerts: ConcertRegistry
  core: CoreClient
  /** Where proxied requests go, and what is done with the core's internal answer headers. */
  upstream: Upstream
  seatMaps: { versions: SeatMapVersions; cache: SeatMapCache }
  metrics: Metrics
  /** Set on SIGTERM: /health/ready answers 503 while the server drains, then it closes. */
  lifecycle: { draining: boolean }
}
