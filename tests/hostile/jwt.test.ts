/**
 * With `AUTH_MODE=jwt`: forged, foreign, expired and malformed JWTs are 401
 * UNAUTHENTICATED, `X-User-Id` is ignored, and only an HS256 token signed with JWT_SECRET is a user.
 */
import { createHmac } from 'node:crypto'
import t from 'tap'
import { ADMIN_TOKEN, as, call, deletePrefix, isContractError, randomPrefix, SHARED_REDIS } from '@rushgate/testkit'
import { scratchDatabase, spawnCore, spawnGateway } from '../support/stack.ts'

const SECRET = 'system-tests-jwt-secret-0123456789'
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

function jwt(payload: Record<string, unknown>, { secret = SECRET, alg = 'HS256' } = {}): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`
  if (alg === 'none') return `${head}.`
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`
}

const now = Math.floor(Date.now() / 1000)
const db = await scratchDatabase('jwt')
const prefix = randomPrefix('rg_jwt')
const core = await spawnCore(db.url)
const gateway = await spawnGateway({ coreUrl: core.url, prefix, env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET } })
t.teardown(async () => {
  await gateway.kill()
  await core.kill()
  await db.drop()
  await deletePrefix(SHARED_REDIS, prefix)
})

t.test('when the JWT is forged, foreign, expired or malformed, then it is 401 and nothing else', async (t) => {
  const valid = jwt({ sub: 'jwt-user', iat: now })
  const forged: [string, Record<string, string>][] = [
    ['no credentials', {}],
    ['X-User-Id alone (ignored in jwt mode)', as('jwt-user')],
    ['alg none', { authorization: `Bearer ${jwt({ sub: 'jwt-user' }, { alg: 'none' })}` }],
    ['signed with another secret', { authorization: `Bearer ${jwt({ sub: 'jwt-user' }, { secret: 'another-secret-0123456789' })}` }],
    ['HS512 header over an HS256 signature', { authorization: `Bearer ${jwt({ sub: 'jwt-user' }, { alg: 'HS512' })}` }],
    ['expired', { authorization: `Bearer ${jwt({ sub: 'jwt-user', exp: now - 60 })}` }],
    ['not yet valid', { authorization: `Bearer ${jwt({ sub: 'jwt-user', nbf: now + 3600 })}` }],
    ['no sub', { authorization: `Bearer ${jwt({ iat: now })}` }],
    ['sub with a quote', { authorization: `Bearer ${jwt({ sub: "jwt'user" })}` }],
    ['sub too long', { authorization: `Bearer ${jwt({ sub: 'u'.repeat(65) })}` }],
    ['sub as a number', { authorization: `Bearer ${jwt({ sub: 12345 })}` }],
    ['sub as an object', { authorization: `Bearer ${jwt({ sub: { $ne: null } })}` }],
    ['payload tampered after signing', { authorization: `Bearer ${valid.split('.')[0]}.${b64({ sub: 'someone-else', iat: now })}.${valid.split('.')[2]}` }],
    ['truncated signature', { authorization: `Bearer ${valid.slice(0, -4)}` }],
    ['two segments', { authorization: `Bearer ${valid.split('.').slice(0, 2).join('.')}` }],
    ['garbage', { authorization: 'Bearer a.b.c' }],
    ['lower-case scheme with garbage', { authorization: 'bearer x' }],
    ['the admin token as identity', { authorization: `Bearer ${ADMIN_TOKEN}` }],
  ]
  for (const [name, headers] of forged) {
    const a = await call(gateway.url, 'GET', '/api/users/me/balance', { headers })
    t.equal(a.status, 401, `${name}: 401 (${a.text.slice(0, 100)})`)
    t.equal(a.body?.code, 'UNAUTHENTICATED', `${name}: UNAUTHENTICATED`)
    t.ok(isContractError(a), `${name}: a contract body`)
  }
  const ok = await call(gateway.url, 'GET', '/api/users/me/balance', { headers: { authorization: `Bearer ${valid}`, 'x-user-id': 'someone-else' } })
  t.equal(ok.status, 200, 'a valid token is a user')
  t.equal(ok.body.userId, 'jwt-user', 'the sub, never X-User-Id')
})
