/**
 * The yardstick of every benchmark: a minimal Fastify route that makes exactly one Redis round trip.
 * Run as its own process (like the gateway) so both compete for the CPU the same way; the figures of
 * the project are printed as a ratio of this one, which keeps them comparable across noisy machines.
 *
 * env: BASELINE_PORT (0 = any), REDIS_URL, BASELINE_KEY (the key it GETs; set by the caller and deleted after).
 */
import Fastify from 'fastify'
import { Redis } from 'ioredis'

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableOfflineQueue: true })
const key = process.env.BASELINE_KEY ?? 'rushgate-baseline'
await redis.set(key, JSON.stringify({ position: 1532, status: 'WAITING' }), 'EX', 3600)

const app = Fastify({ logger: false })
app.get('/baseline', async () => ({ value: await redis.get(key) }))

const close = async () => {
  await app.close()
  await redis.del(key)
  redis.disconnect()
  process.exit(0)
}
process.once('SIGTERM', close)
process.once('SIGINT', close)

const address = await app.listen({ port: Number(process.env.BASELINE_PORT ?? 0), host: '127.0.0.1' })
// The parent reads the address from this line.
process.stdout.write(`listening ${address}\n`)
