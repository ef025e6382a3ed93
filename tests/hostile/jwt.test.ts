/**
 * Hostile JWTs against gateway processes with `AUTH_MODE=jwt`: forged, foreign, expired,
 * truncated, oversized (past the header limit 431, else 401), wrong issuer or audience, unknown
 * kid, `alg: none`, algorithm confusion and embedded keys are 401 UNAUTHENTICATED and change nothing;
 * `X-User-Id` is ignored. A JWKS server on port 0 rotates its keys under a second gateway.
 */
import { createHmac } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  ADMIN_TOKEN,
  as,
  call,
  createConcert,
  deletePrefix,
  isContractError,
  queueStats,
  randomPrefix,
  SHARED_REDIS,
  type SigningKey,
  signingKey,
  startJwksServer,
} from '@rushgate/testkit'
import t from 'tap'
import { scratchDatabase, spawnCore, spawnGateway } from '../support/stack.ts'

const SECRET = 'system-tests-jwt-secret-0123456789'
const ISSUER = 'https://id.example.com'
const AUDIENCE = 'rushgate'
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

/** A hand-made HS256 (or `none`) JWT, so that every part can be wrong on purpose. */
function jwt(payload: Record<string, unknown>, { secret = SECRET, alg = 'HS256', header = {} as Record<string, unknown> } = {}): string {
  const head = `${b64({ alg, typ: 'JWT', ...header })}.${b64(payload)}`
  if (alg === 'none') return `${head}.`
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`
}
const claims = (sub: unknown, extra: Record<string, unknown> = {}) => ({ sub, iss: ISSUER, aud: AUDIENCE, exp: now() + 3600, ...extra })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

const db = await scratchDatabase('jwt')
const prefix = randomPrefix('rg_jwt')
const core = await spawnCore(db.url)
const gateway = await spawnGateway({
  coreUrl: core.url,
  prefix,
  env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE },
})
t.teardown(async () => {
  await gateway.kill()
  await core.kill()
  await db.drop()
  await deletePrefix(SHARED_REDIS, prefix)
})

t.test('when the JWT is forged, foreign, expired or malformed, then it is 401 and changes nothing', async (t) => {
  const victim = 'jwt-user'
  const valid = jwt(claims(victim))
  const concert = await createConcert(gateway.url)
  const joined = await call(gateway.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: bearer(valid) })
  t.equal(joined.status, 201, 'the victim has a place in line')
  const charged = await call(gateway.url, 'POST', '/api/users/me/balance/charges', { headers: bearer(valid), body: { amount: 5000 } })
  t.equal(charged.status, 201, 'and a balance')
  const queueToken = joined.body.token as string
  const [head, body, signature] = valid.split('.') as [string, string, string]

  const forged: [string, Record<string, string>][] = [
    ['no credentials', {}],
    ['X-User-Id alone (ignored in jwt mode)', as(victim)],
    ['alg none', bearer(jwt(claims(victim), { alg: 'none' }))],
    ['alg none, upper-case', bearer(jwt(claims(victim), { alg: 'NONE' }))],
    ['signed with another secret', bearer(jwt(claims(victim), { secret: 'another-secret-0123456789-abcdefgh' }))],
    ['HS512 header over an HS256 signature', bearer(jwt(claims(victim), { alg: 'HS512' }))],
    ['RS256 header over an HMAC signature', bearer(jwt(claims(victim), { alg: 'RS256' }))],
    ['expired', bearer(jwt(claims(victim, { exp: now() - 60 })))],
    ['no exp', bearer(jwt({ sub: victim, iss: ISSUER, aud: AUDIENCE }))],
    ['exp as a string', bearer(jwt(claims(victim, { exp: String(now() + 3600) })))],
    ['not yet valid', bearer(jwt(claims(victim, { nbf: now() + 3600 })))],
    ['another issuer', bearer(jwt(claims(victim, { iss: 'https://evil.example.com' })))],
    ['no issuer', bearer(jwt({ sub: victim, aud: AUDIENCE, exp: now() + 3600 }))],
    ['another audience', bearer(jwt(claims(victim, { aud: 'another-app' })))],
    ['no audience', bearer(jwt({ sub: victim, iss: ISSUER, exp: now() + 3600 }))],
    ['no sub', bearer(jwt(claims(undefined)))],
    ['sub with a quote', bearer(jwt(claims("jwt'user")))],
    ['sub too long', bearer(jwt(claims('u'.repeat(65))))],
    ['sub as a number', bearer(jwt(claims(12345)))],
    ['sub as an object', bearer(jwt(claims({ $ne: null })))],
    ['payload tampered after signing', bearer(`${head}.${b64(claims('someone-else'))}.${signature}`)],
    ['header tampered after signing', bearer(`${b64({ alg: 'HS256', typ: 'JWT', kid: 'x' })}.${body}.${signature}`)],
    ['truncated signature', bearer(valid.slice(0, -4))],
    ['signature removed', bearer(`${head}.${body}.`)],
    ['two segments', bearer(`${head}.${body}`)],
    ['four segments', bearer(`${valid}.${signature}`)],
    ['garbage', { authorization: 'Bearer a.b.c' }],
    ['not base64', { authorization: 'Bearer %%%.%%%.%%%' }],
    ['lower-case scheme with garbage', { authorization: 'bearer x' }],
    ['Basic scheme', { authorization: `Basic ${Buffer.from(`${victim}:x`).toString('base64')}` }],
    ['token without a scheme', { authorization: valid }],
    ['oversized but under the header limit', bearer(jwt(claims(victim, { pad: 'p'.repeat(9000) })))],
    ['the admin token as identity', { authorization: `Bearer ${ADMIN_TOKEN}` }],
  ]
  for (const [name, headers] of forged) {
    const answers = [
      await call(gateway.url, 'GET', '/api/users/me/balance', { headers }),
      await call(gateway.url, 'POST', '/api/users/me/balance/charges', { headers, body: { amount: 100 } }),
      await call(gateway.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers }),
      await call(gateway.url, 'DELETE', `/api/queues/${concert.id}/tokens/current`, { headers: { ...headers, 'x-queue-token': queueToken } }),
    ]
    for (const a of answers) {
      if (a.status !== 401 || a.body?.code !== 'UNAUTHENTICATED' || !isContractError(a)) {
        t.fail(`${name}: ${a.status} ${a.text.slice(0, 120)}`)
      }
    }
    t.pass(`${name}: 401 UNAUTHENTICATED on balance, charge, join and leave`)
  }

  const oversized = await call(gateway.url, 'GET', '/api/users/me/balance', { headers: bearer(jwt(claims(victim, { pad: 'p'.repeat(20_000) }))) })
  t.equal(oversized.status, 431, 'past the header limit: 431')
  t.equal(oversized.body?.code, 'HEADERS_TOO_LARGE')

  const after = await call(gateway.url, 'GET', '/api/users/me/balance', { headers: { ...bearer(valid), 'x-user-id': 'someone-else' } })
  t.same(after.body, { userId: victim, balance: 5000 }, 'the sub, never X-User-Id; the balance is untouched')
  const state = await call(gateway.url, 'GET', `/api/queues/${concert.id}/tokens/current`, { headers: { ...bearer(valid), 'x-queue-token': queueToken } })
  t.equal(state.status, 200, 'the victim still has the place')
  const stats = (await queueStats(gateway.url, concert.id)).body
  t.equal(stats.waiting + stats.active, 1, 'and nobody else joined')
})

t.test('with keys from a JWKS URL: unknown kids, confusion, embedded keys, and rotation', async (t) => {
  const [k1, k2, k3, attacker] = await Promise.all([
    signingKey('RS256', 'k1'),
    signingKey('ES256', 'k2'),
    signingKey('RS256', 'k3'),
    signingKey('RS256', 'k1'), // claims k1's kid with a key of its own
  ])
  const jwks = await startJwksServer([k1, k2])
  const jwksPrefix = randomPrefix('rg_jwks')
  const keyed = await spawnGateway({
    coreUrl: core.url,
    prefix: jwksPrefix,
    env: { AUTH_MODE: 'jwt', JWT_JWKS_URL: jwks.url, JWT_JWKS_COOLDOWN_SECONDS: '1', JWT_ISSUER: ISSUER },
  })
  t.teardown(async () => {
    await keyed.kill()
    await jwks.close()
    await deletePrefix(SHARED_REDIS, jwksPrefix)
  })
  const statusOf = async (token: string) => (await call(keyed.url, 'GET', '/api/users/me/balance', { headers: bearer(token) })).status
  const sign = (key: SigningKey, sub: string, header: Record<string, unknown> = {}) => key.sign({ sub, iss: ISSUER }, header)

  t.equal(await statusOf(await sign(k1, 'rsa-user')), 200, 'RS256 from the set')
  t.equal(await statusOf(await sign(k2, 'ec-user')), 200, 'ES256 from the set')

  const forged: [string, string][] = [
    ['unknown kid', await sign(k3, 'u')],
    ['a listed kid, another key', await sign(attacker, 'u')],
    ['the attacker’s key embedded in the header', await sign(attacker, 'u', { jwk: attacker.jwk })],
    ['the attacker’s key set named in the header', await sign(attacker, 'u', { jku: 'http://127.0.0.1:9/jwks.json' })],
    ['HS256 with k1’s PEM as the secret', jwt({ sub: 'u', iss: ISSUER, exp: now() + 600 }, { secret: k1.pem, header: { kid: 'k1' } })],
    ['HS256 with k1’s JWK as the secret', jwt({ sub: 'u', iss: ISSUER, exp: now() + 600 }, { secret: JSON.stringify(k1.jwk), header: { kid: 'k1' } })],
    ['alg none with a listed kid', jwt({ sub: 'u', iss: ISSUER, exp: now() + 600 }, { alg: 'none', header: { kid: 'k1' } })],
    ['ES256 header with an RSA kid', `${b64({ alg: 'ES256', kid: 'k1' })}.${(await sign(k1, 'u')).split('.').slice(1).join('.')}`],
    ['wrong issuer', await k1.sign({ sub: 'u', iss: 'https://evil.example.com' })],
    ['expired', await k1.sign({ sub: 'u', iss: ISSUER, exp: now() - 10 })],
  ]
  for (const [name, token] of forged) {
    const a = await call(keyed.url, 'GET', '/api/users/me/balance', { headers: bearer(token) })
    t.match(a, { status: 401, body: { code: 'UNAUTHENTICATED' } }, name)
  }

  // Rotation: k3 appears, k1 goes. Each is picked up by the next refresh an unknown kid asks for,
  // at most one per second (JWT_JWKS_COOLDOWN_SECONDS).
  const old = await sign(k1, 'rotated-out')
  t.equal(await statusOf(old), 200)
  jwks.publish([k2, k3])
  const fresh = await sign(k3, 'rotated-in')
  const deadline = Date.now() + 10_000
  while ((await statusOf(fresh)) !== 200 && Date.now() < deadline) await sleep(100)
  t.equal(await statusOf(fresh), 200, 'a new kid is accepted after a refresh')
  t.equal(await statusOf(old), 401, 'the removed key is refused after it (its cached verdict too)')
  t.equal(await statusOf(await sign(k2, 'kept')), 200, 'the key that stayed still verifies')
})
