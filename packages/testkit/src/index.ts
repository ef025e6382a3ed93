/** The test kit of every suite; see each module for what it does. */
export { type Child, run, startChild } from './child-process.ts'
export { expireHold, query, snapshot } from './core-database.ts'
export { CoreThrottle, type ThrottleSettings, type ThrottleStats } from './core-throttle.ts'
export { ADMIN_TOKEN, INTERNAL_TOKEN } from './credentials.ts'
export type { AppEntry, CoreEntry, GatewayEntry } from './entries.ts'
export {
  activeToken,
  balance,
  type ConcertSpec,
  type CreatedConcert,
  charge,
  createConcert,
  enter,
  enterToken,
  hold,
  pay,
  queueStats,
  seats,
  setQueue,
  tokenState,
  waitActive,
} from './flows.ts'
export { type Answer, admin, as, type CallOptions, call, isContractError, type Loose, type Target } from './http.ts'
export { awayFromWindowEdge } from './rate-limit-window.ts'
export {
  type GatewayOptions,
  type StartedCore,
  type StartedGateway,
  type StartedStack,
  startCore,
  startGateway,
  startStack,
} from './in-process.ts'
export {
  assertInvariants,
  type Books,
  checkBooks,
  checkInvariants,
  INVARIANTS,
  type Invariant,
  type InvariantGroup,
  type InvariantResult,
  problems,
  type Scope,
} from './invariants.ts'
export { hour, type JwksServer, type SigningKey, signingKey, signWithSecret, startJwksServer } from './jwt.ts'
export { freePort, isListening, waitFor } from './ports.ts'
export { type PrivatePostgres, type StopMode, startPostgres } from './postgres-server.ts'
export {
  type SpawnedStack,
  type SpawnGatewayOptions,
  type SpawnStackOptions,
  spawnCore,
  spawnGateway,
  spawnStack,
} from './processes.ts'
export { type RawAnswer, type RawOptions, rawRequest } from './raw-http.ts'
export { type ClusterNode, type ClusterOptions, type PrivateCluster, startRedisCluster } from './redis-cluster.ts'
export { clusterNodes, deletePrefix, randomPrefix, SHARED_REDIS, testRedis } from './redis-keys.ts'
export { type PrivateRedis, type RedisOptions, rawCommand, startRedis } from './redis-server.ts'
export { type PrivateSentinel, startRedisSentinel } from './redis-sentinel.ts'
export { createScratchDatabase, dropScratchDatabase, type Migrations, postgresServerUrl, scratchName } from './scratch-database.ts'
export { runToExit, type ServiceOptions, type ServiceProcess, spawnService } from './service-process.ts'
export { TcpProxy } from './tcp-proxy.ts'
