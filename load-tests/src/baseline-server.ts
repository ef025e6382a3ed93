/**
 * The yardstick of every benchmark: a minimal Fastify route that makes exactly one Redis round trip.
 * Run as its own process (like the gateway) so both compete for the CPU the same way; the figures of
 * the project are printed as a ratio of this one, which keeps them comparable across noisy machines.
 * For answers that are mostly bytes (a 1,000-seat map is ~50 kB) there is a hello-world of any size:
 * `GET /hello/<bytes>` answers a JSON body of exactly that many bytes, made once, with no Redis.
 *
 * env: BASELINE_PORT (0 = any), REDIS_URL, BASELINE_KEY (the key it GETs; set by the caller and deleted after).
 */
import Fastify from 'fastify'
import { Redis } from 'ioredis'

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableOfflineQueue: true })
const key = process.env.BASELINE_KEY ?? 'rushgate-baseline'
await redis.set(key, JSON.stringify({ position: 1532, status: 'WAITING' }), 'EX', 3600)

// Auto-pipelining: commands issued in the same tick by concurrent requests leave in one write.
// https://github.com/redis/ioredis#autopipelining
const pipelined = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true })

const app = Fastify({ logger: false })
app.get('/baseline', async () => ({ value: await redis.get(key) }))
// For the `rtt` benchmark, which explains the ratios: what a second round trip costs, and what
// auto-pipelining gives back.
app.get('/baseline/2', async () => {
  await redis.get(key)
  return { value: await redis.get(key) }
})
app.get('/baseline/ap/1', async () => ({ value: await pipelined.get(key) }))
app.get('/baseline/ap/2', async () => {
  await pipelined.get(key)
  return { value: await pipelined.get(key) }
})

// A Fastify hello-world whose body has the size of the answer it stands beside, kept as bytes (as
// the gateway keeps a cached seat map), so neither side encodes text per request.
const bodies = new Map<number, Buffer>()
const HELLO = '{"hello":"world"}'
app.get<{ Params: { bytes: string } }>('/hello/:bytes', (request, reply) => {
  const bytes = Math.max(HELLO.length, Math.min(10_000_000, Number(request.params.bytes) || HELLO.length))
  let body = bodies.get(bytes)
  if (body === undefined) {
    body = Buffer.from(bytes === HELLO.length ? HELLO : `{"hello":"${'w'.repeat(bytes - 12)}"}`)
    bodies.set(bytes, body)
  }
  reply.type('application/json; charset=utf-8').send(body)
})

const close = async () => {
  await app.close()
  await redis.del(key)
  redis.disconnect()
  pipelined.disconnect()
  process.exit(0)
}
process.once('SIGTERM', close)
process.once('SIGINT', close)

const address = await app.listen({ port: Number(process.env.BASELINE_PORT ?? 0), host: '127.0.0.1' })
// The parent reads the address from this line.
process.stdout.write(`listening ${address}\n`)
