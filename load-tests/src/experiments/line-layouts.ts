/**
 * `tsx src/experiments/line-layouts.ts [users]`: Redis memory per waiting user of the gateway's line
 * layout and of leaner alternatives, measured with MEMORY USAGE on keys under a random prefix (deleted
 * afterwards). It backs the explanation in RESULTS.md of why the line costs more than 150 B a user.
 *
 *  current   ZSET userId→seq  + HASH userId→full signed token (~125 chars), as apps/gateway did first
 *  nonce     ZSET userId→seq  + HASH userId→the token's 22-character nonce only
 *  zset-only ZSET userId→seq, nothing else (the token would carry seq, and be checked against ZSCORE)
 */
import { createHmac, randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'

const users = Number(process.argv[2] ?? 200_000)
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const prefix = `rglt-layout-${randomBytes(4).toString('hex')}`
const secret = randomBytes(24)
/** A token in the gateway's first format: base64url({u, c, n: 16-byte nonce}) + '.' + base64url(HMAC). */
const fullToken = (user: string) => {
  const body = Buffer.from(JSON.stringify({ u: user, c: 1, n: randomBytes(16).toString('base64url') })).toString('base64url')
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
}
const layouts = ['current', 'nonce', 'zset-only'] as const

try {
  for (const layout of layouts) {
    const zset = `${prefix}:{c:1}:${layout}:waiting`
    const hash = `${prefix}:{c:1}:${layout}:tokens`
    for (let from = 0; from < users; from += 5000) {
      const p = redis.pipeline()
      for (let i = from; i < Math.min(users, from + 5000); i++) {
        const user = `w${prefix.slice(-6)}-${i}` // the shape of the line benchmark's user ids
        p.zadd(zset, i + 1, user)
        if (layout === 'current') p.hset(hash, user, fullToken(user))
        if (layout === 'nonce') p.hset(hash, user, randomBytes(16).toString('base64url'))
      }
      await p.exec()
    }
    const bytes =
      Number(await redis.call('MEMORY', 'USAGE', zset, 'SAMPLES', '0')) +
      (layout === 'zset-only' ? 0 : Number(await redis.call('MEMORY', 'USAGE', hash, 'SAMPLES', '0')))
    console.log(`${layout.padEnd(10)} ${(bytes / users).toFixed(1)} B per waiting user (${users} users)`)
    await redis.unlink(zset, hash)
  }
} finally {
  redis.disconnect()
}
