/**
 * buildApp(config): the whole gateway as a Fastify instance, exactly as production and the tests
 * run it. Order matters: identity before the rate limiter (which keys on it), docs and the
 * limiter before the routes (both hook onRoute); the pages last, each in a scope of its own
 * (plugins/browser.ts).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import sseModule from '@fastify/sse'
import fastifyStatic from '@fastify/static'
import { ApiError } from '@rushgate/shared'
import { installContractErrors, serverOptions } from '@rushgate/shared/fastify'
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify'
import type { GatewayConfig } from './config.ts'
import { dualProtocolServer } from './dual-protocol.ts'
import type { GatewayContext } from './context.ts'
import { Metrics } from './metrics.ts'
import { installBrowserHeaders, PAGE_POLICY, pageScope } from './plugins/browser.ts'
import { installDocs } from './plugins/docs.ts'
import { installIdentity } from './plugins/identity.ts'
import { CoreClient } from './core/client.ts'
import { installProxy, type Upstream } from './core/forward.ts'
import { CoreLatency, withLatencyScripts } from './core/latency.ts'
import { ActiveGate } from './queue/active-gate.ts'
import { Admission } from './queue/admission.ts'
import { ConcertRegistry } from './queue/concerts.ts'
import { EventStreams } from './queue/event-streams.ts'
import { LineHistoryLog, withHistoryScripts } from './queue/history.ts'
import { IdleLines } from './queue/idle-lines.ts'
import { LineFeed } from './queue/line-feed.ts'
import { LineMirror } from './queue/line-mirror.ts'
import { WaitingLine } from './queue/line.ts'
import { LineRestore } from './queue/line-restore.ts'
import { Opening } from './queue/opening.ts'
import { Presence } from './queue/presence.ts'
import { ProofOfWork } from './queue/proof-of-work.ts'
import { withLineScripts } from './queue/scripts.ts'
import { LineSettings } from './queue/settings.ts'
import { TokenSigner } from './queue/tokens.ts'
import { createRedis, isRedisUnavailable, whenReady } from './redis/client.ts'
import { installRateLimit } from './rate-limit/plugin.ts'
import { withRateLimitScripts } from './rate-limit/scripts.ts'
import { RedisKeys } from './redis/keys.ts'
import { RedisLease, withLeaseScripts } from './redis/lease.ts'
import { Replication } from './redis/replication.ts'
import { SeatMapCache } from './seat-maps/cache.ts'
import { SeatMapVersions } from './seat-maps/versions.ts'
import { adminRoutes } from './routes/admin.ts'
import { clientRoutes } from './routes/client.ts'
import { operationsRoutes } from './routes/operations.ts'
import { proxiedRoutes } from './routes/proxied.ts'
import { queueRoutes } from './routes/queue.ts'

declare module 'fastify' {
  interface FastifyInstance {
    gateway: GatewayContext
  }
}

/**
 * @fastify/sse's module.exports is the plugin wrapped by fastify-plugin (global: its onRoute hook
 * sees every route); its type declarations name only the unwrapped one, so the default import is
 * typed here.
 */
const fastifySse = sseModule as unknown as FastifyPluginAsync

/**
 * Seat maps and summaries a replica keeps (a 1,000-seat map or a 500-place section is about 50 kB, its
 * compressed copies a tenth of that): a stadium date is up to 200 sections plus its summary.
 */
const SEAT_MAPS_PER_REPLICA = 1000

/** The page another package builds; served at / when present. */
const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url))

export interface BuildOptions {
  /** Fastify server options (the logger, mostly). */
  server?: FastifyServerOptions
  /** Start the admission worker (default true). */
  admission?: boolean
}

export async function buildApp(config: GatewayConfig, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(
    serverOptions({
      logger: { level: config.logLevel },
      // While closing, a request that still arrives on an open connection is served (Fastify
      // answers it with `Connection: close`), not refused with a 503 outside the contract.
      return503OnClosing: false,
      // Behind a load balancer, request.ip (the per-IP rate limit) comes from X-Forwarded-For.
      trustProxy: trustProxyOption(config.trustProxy),
      // HTTP/1.1, and cleartext HTTP/2 for a load balancer that multiplexes streams (dual-protocol.ts).
      serverFactory: dualProtocolServer as NonNullable<FastifyServerOptions['serverFactory']>,
      ...opts.server,
    }),
  )

  const keys = new RedisKeys(config.redisKeyPrefix)
  const redis = withLatencyScripts(withHistoryScripts(withLeaseScripts(withRateLimitScripts(withLineScripts(createRedis(config, app.log, 'http'))))))
  const bullConnection = createRedis(config, app.log, 'bullmq')
  const core = new CoreClient(config.coreUrl, config.internalToken)
  const concerts = new ConcertRegistry(redis, keys, core, app.log)
  const settings = new LineSettings(redis, keys, config)
  const history = new LineHistoryLog(redis, keys)
  // The line gauges are the deployment's: only the holder of the lease exports them (metrics.ts).
  const metricsLease = new RedisLease(redis, keys.metricsLease)
  const metrics = new Metrics(async () => {
    if (!(await metricsLease.hold())) return null
    try {
      return await settings.sizes(await concerts.list())
    } catch (err) {
      // Redis went away mid-scrape: no line gauges this time, the counters are still served.
      if (isRedisUnavailable(err)) return null
      throw err
    }
  })
  const presence = new Presence(redis, keys, app.log)
  const mirror = new LineMirror(config)
  const restore = new LineRestore(redis, keys, core, mirror, config, app.log)
  settings.restore = restore
  const line = new WaitingLine(redis, keys, new TokenSigner(config.tokenSecret), presence, metrics, config, mirror, restore)
  // One subscription per process: the tick's snapshots and the ended turns of every replica.
  const feed = new LineFeed(redis, createRedis(config, app.log, 'bullmq'), keys.lineChannel, mirror, app.log)
  const streams = new EventStreams(line, mirror, app.log)
  feed.listen(streams)
  line.announceEndsWith(feed)
  // REDIS_WAIT_REPLICAS: WAIT blocks the connection that sends it, so it has one of its own.
  const waitConnection = config.redisWaitReplicas > 0 ? createRedis(config, app.log, 'wait') : null
  const replication = new Replication(waitConnection, keys, config.redisWaitReplicas, config.redisWaitTimeoutMs, metrics)
  line.replicateWith(replication)
  settings.onChange = (concertId) => feed.settingsChanged(concertId)
  restore.announce = (concertId) => feed.restored(concertId)
  const idle = new IdleLines(redis, keys, core, app.log)
  line.onFirstPlace = (concertId) => idle.wake(concertId)
  const gate = new ActiveGate(config, line, metrics)
  const opening = new Opening(redis, keys, config.openingBatch, app.log)
  const seatMapVersions = new SeatMapVersions(redis, keys)
  // What this replica forwards to the core, timed per concert for adaptive admission.
  const latency = new CoreLatency(redis, keys, config.admitIntervalMs, app.log)
  const seatMapCache = new SeatMapCache(
    (concertId, scheduleId, view) => {
      // A map the cache lacks is a request to the core like a hold: timed the same way.
      const started = performance.now()
      const measured = (failed: boolean) => latency.record(concertId, performance.now() - started, failed)
      return core.seatMap(concertId, scheduleId, view).then(
        (map) => {
          measured(false)
          return map
        },
        (err: unknown) => {
          measured(err instanceof ApiError && err.code === 'UPSTREAM_UNAVAILABLE')
          throw err
        },
      )
    },
    { staleMs: config.seatMapStaleMs, maxAgeMs: config.seatMapMaxAgeMs, maxEntries: SEAT_MAPS_PER_REPLICA },
    (result) => metrics.seatMaps.inc({ result }),
  )
  const upstream: Upstream = {
    internalToken: config.internalToken,
    seatMapsChanged: (maps) => seatMapVersions.bump(maps),
    measured: (concertId, ms, failed) => latency.record(concertId, ms, failed),
  }
  const ctx: GatewayContext = {
    config,
    keys,
    redis,
    line,
    gate,
    settings,
    history,
    presence,
    streams,
    opening,
    joinGuard: new ProofOfWork(config.proofOfWorkKey),
    concerts,
    core,
    upstream,
    seatMaps: { versions: seatMapVersions, cache: seatMapCache },
    metrics,
    lifecycle: { draining: false },
  }
  app.decorate('gateway', ctx)

  const admission =
    opts.admission === false
      ? null
      : new Admission({ config, keys, redis, bullConnection, concerts, core, latency, opening, restore, history, idle, metrics, log: app.log, replication })

  installContractErrors(app, { isUnavailable: isRedisUnavailable })
  await installBrowserHeaders(app, config)
  installIdentity(app, config)
  await installDocs(app, config)
  await installRateLimit(app, config, redis, keys)
  await installProxy(app, config)
  await app.register(fastifySse)

  await app.register(operationsRoutes, ctx)
  await app.register(queueRoutes, ctx)
  await app.register(proxiedRoutes, ctx)
  await app.register(adminRoutes, ctx)
  await app.register(clientRoutes, ctx)
  if (existsSync(WEB_DIST)) {
    await pageScope(app, PAGE_POLICY, async (scope) => {
      // The files of dist/ only, not a wildcard: any other path stays the API's JSON 404.
      await scope.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false })
      // The operators' dashboard: a page of its own, its data behind the admin token.
      scope.get('/admin', { schema: { hide: true } }, (_request, reply) => reply.sendFile('admin.html'))
    })
  }

  app.addHook('onReady', async () => {
    // After a Redis data loss the core still knows every concert: put them back in the set.
    const registerConcerts = () =>
      core
        .concertIds()
        .then((ids) => concerts.registerMany(ids))
        .catch((err: Error) => app.log.warn({ err: err.message }, 'could not load the concert list from the core'))
    if (await whenReady(redis, 3000)) void registerConcerts()
    else {
      // Not a reason to exit: the gateway stays up, unready (503), until Redis answers.
      app.log.warn('redis is not reachable yet; routes answer 503 until it is')
      redis.once('ready', () => void registerConcerts())
    }
    presence.start()
    streams.start()
    latency.start()
    // Not awaited: the subscription waits for Redis (its connection queues commands), the start does not.
    void feed.start()
    await admission?.start()
    metricsLease.start()
  })
  // Before the server closes: an open stream would otherwise hold close() for ever.
  app.addHook('preClose', async () => {
    streams.closeAll()
  })
  app.addHook('onClose', async () => {
    await feed.close()
    await metricsLease.stop()
    await admission?.close()
    await presence.close()
    await latency.close()
    await Promise.allSettled([redis.quit(), bullConnection.quit(), waitConnection?.quit(), core.close()])
  })
  return app
}

/** A hop count becomes proxy-addr's own rule ("the nearest n hops are proxies"); Fastify's types lack the number form. */
function trustProxyOption(value: GatewayConfig['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof value !== 'number') return value
  return (_address: string, hop: number) => hop < value
}
