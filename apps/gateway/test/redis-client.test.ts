/**
 * The HTTP-path Redis connection coalesces writes: the commands sent in one turn of the event loop
 * leave in one socket write, and each still gets its own answer. Real Redis; the keys are this
 * file's own.
 */
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import t from 'tap'
import { loadConfig } from '../src/config.ts'
import { createRedis, whenReady } from '../src/redis/client.ts'

const prefix = `rgtest-client-${randomBytes(4).toString('hex')}`
const config = loadConfig({ ...process.env, REDIS_KEY_PREFIX: prefix })
const log = Fastify({ logger: { level: 'silent' } }).log

t.test('commands of one turn leave in one write and each gets its own answer', async (t) => {
  const redis = createRedis(config, log, 'http')
  t.teardown(() => redis.disconnect())
  t.ok(await whenReady(redis, 3000), 'connected')
  if (!('stream' in redis)) return t.fail('a standalone connection was expected')
  const keys = Array.from({ length: 200 }, (_, i) => `${prefix}:${i}`)
  t.teardown(async () => {
    const cleanup = createRedis(config, log, 'http')
    await whenReady(cleanup, 3000)
    await cleanup.del(...keys)
    cleanup.disconnect()
  })
  await Promise.all(keys.map((key, i) => redis.set(key, String(i))))

  // Count the socket's writes from here on: Writable calls _write for one chunk, _writev for several.
  const socket = redis.stream as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>
  let writes = 0
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method]!.bind(socket)
    socket[method] = (...args: unknown[]) => {
      writes++
      original(...args)
    }
  }
  const values = await Promise.all(keys.map((key) => redis.get(key)))
  t.same(values, keys.map((_, i) => String(i)), 'every GET answered with its own key')
  t.equal(writes, 1, '200 commands, one socket write')

  // Commands of separate turns still go out (a turn without commands leaves nothing corked).
  writes = 0
  for (const key of keys.slice(0, 3)) t.equal(await redis.get(key), key.slice(prefix.length + 1))
  t.equal(writes, 3, 'one write per turn')
})
