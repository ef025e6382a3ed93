/** What the routes share: built once in app.ts and handed to each route module. */
import type { GatewayConfig } from './config.ts'
import type { Metrics } from './metrics.ts'
import type { CoreClient } from './proxy/core-client.ts'
import type { ConcertRegistry } from './queue/concerts.ts'
import type { WaitingLine } from './queue/line.ts'
import type { LineSettings } from './queue/settings.ts'
import type { RedisClient } from './redis/client.ts'
import type { RedisKeys } from './redis/keys.ts'
import type { LineScripts } from './redis/scripts.ts'

export interface GatewayContext {
  config: GatewayConfig
  keys: RedisKeys
  redis: RedisClient & LineScripts
  line: WaitingLine
  settings: LineSettings
  concerts: ConcertRegistry
  core: CoreClient
  metrics: Metrics
  /** Set on SIGTERM: /health/ready answers 503 while the server drains, then it closes. */
  lifecycle: { draining: boolean }
}
