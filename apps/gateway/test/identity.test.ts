/**
 * Who is who: the configuration rules of identity, secrets and exposure (a process that breaks one
 * exits non-zero naming the variable), JWT identity with a secret, a PEM key and a JWKS URL whose
 * keys rotate, and the admin token and user tokens kept apart.
 */
import { generateKeyPairSync } from 'node:crypto'
import { admin, call, createConcert, runToExit, signingKey, signWithSecret, startGateway, startJwksServer, waitFor } from '@rushgate/testkit'
import { SignJWT } from 'jose'
import t from 'tap'
import { gatewayEntry } from '../entry-points.ts'
import { loadConfig } from '../src/config.ts'
import { JwtVerifier } from '../src/identity/jwt-verifier.ts'
import { startStack } from './helpers.ts'

const SECRET = 'gateway-tests-jwt-secret-0123456789abcdef'
const INTERNAL = 'gateway-tests-internal-token'
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const balanceOf = (url: string, headers: Record<string, string>) => call(url, 'GET', '/api/users/me/balance', { headers })

t.test('configuration: each rule of identity, secrets and exposure names its variable', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  const pem = (key: typeof rsa.publicKey) => key.export({ type: 'spki', format: 'pem' }) as string
  const refused: [Record<string, string>, RegExp][] = [
    [{ NODE_ENV: 'production', INTERNAL_TOKEN: INTERNAL }, /TRUST_USER_HEADER=true/],
    [{ HOST: '0.0.0.0' }, /INTERNAL_TOKEN is required when listening beyond loopback/],
    [{ HOST: '::' }, /INTERNAL_TOKEN/],
    [{ HOST: '10.1.2.3' }, /INTERNAL_TOKEN/],
    [{ HOST: 'gateway.internal' }, /INTERNAL_TOKEN/],
    [{ ADMIN_TOKEN: 'fifteen-chars-x' }, /ADMIN_TOKEN/],
    [{ INTERNAL_TOKEN: 'short' }, /INTERNAL_TOKEN/],
    [{ TOKEN_SECRET: 'short' }, /TOKEN_SECRET/],
    [{ TRUST_USER_HEADER: 'maybe' }, /TRUST_USER_HEADER/],
    [{ AUTH_MODE: 'jwt' }, /exactly one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL \(none is set\)/],
    [{ AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://id.example.com/jwks' }, /got JWT_SECRET and JWT_JWKS_URL/],
    [{ AUTH_MODE: 'jwt', JWT_SECRET: 'thirty-one-characters-secret-xx' }, /JWT_SECRET/],
    [{ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: 'not a key' }, /JWT_PUBLIC_KEY is not a PEM public key/],
    [{ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }, /JWT_PUBLIC_KEY holds a private key/],
    [{ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: pem(p384.publicKey) }, /JWT_PUBLIC_KEY must be an RSA key \(RS256\) or a P-256 key/],
    [{ AUTH_MODE: 'jwt', JWT_JWKS_URL: 'ftp://id.example.com/jwks' }, /JWT_JWKS_URL/],
    [{ AUTH_MODE: 'jwt', JWT_JWKS_URL: 'https://id.example.com/jwks', JWT_JWKS_COOLDOWN_SECONDS: '0' }, /JWT_JWKS_COOLDOWN_SECONDS/],
    [{ CORS_ORIGINS: 'https://tickets.example.com/' }, /CORS_ORIGINS must list origins/],
    [{ CORS_ORIGINS: '*' }, /CORS_ORIGINS/],
    [{ CORS_ORIGINS: 'tickets.example.com' }, /CORS_ORIGINS/],
  ]
  for (const [env, message] of refused) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env).slice(0, 120))
  }

  t.equal(loadConfig({ NODE_ENV: 'production', INTERNAL_TOKEN: INTERNAL, TRUST_USER_HEADER: 'true' }).authMode, 'header', 'production behind a proxy that sets X-User-Id')
  t.equal(loadConfig({ NODE_ENV: 'production', INTERNAL_TOKEN: INTERNAL, AUTH_MODE: 'jwt', JWT_SECRET: SECRET }).authMode, 'jwt', 'production with JWTs')
  for (const host of ['127.0.0.1', '127.3.4.5', 'localhost', '::1', '[::1]']) {
    t.equal(loadConfig({ HOST: host }).internalToken, 'rushgate-dev-internal-token', `HOST=${host} is loopback: the development credential is fine`)
  }
  t.equal(loadConfig({ HOST: '0.0.0.0', INTERNAL_TOKEN: INTERNAL }).internalToken, INTERNAL)
  t.equal(loadConfig({ ADMIN_TOKEN: '' }).adminToken, null, 'no ADMIN_TOKEN: the admin API is off')
  t.equal(loadConfig({ ADMIN_TOKEN: 'sixteen-chars-xx' }).adminToken, 'sixteen-chars-xx')

  const oneLine = pem(rsa.publicKey).replace(/\n/g, '\\n')
  t.same(loadConfig({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: oneLine }).jwt?.keys.algorithms, ['RS256'], 'an RSA PEM with \\n escapes: RS256')
  t.same(loadConfig({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: pem(p256.publicKey) }).jwt?.keys.algorithms, ['ES256'], 'a P-256 PEM: ES256')
  const jwks = loadConfig({ AUTH_MODE: 'jwt', JWT_JWKS_URL: 'https://id.example.com/jwks', JWT_ISSUER: 'https://id.example.com', JWT_AUDIENCE: 'rushgate, tickets' })
  t.match(jwks.jwt, { keys: { kind: 'jwks', cooldownMs: 30_000, algorithms: ['RS256', 'ES256'] }, issuer: ['https://id.example.com'], audience: ['rushgate', 'tickets'] })
  t.same(loadConfig({ CORS_ORIGINS: ' https://tickets.example.com ,http://localhost:5173' }).corsOrigins, ['https://tickets.example.com', 'http://localhost:5173'])
  t.same(loadConfig({}).corsOrigins, [], 'no CORS_ORIGINS: no cross-origin grants')
})

/** Runs the gateway's process as `pnpm start` does and waits for it to end. */
const runGateway = (env: Record<string, string>) =>
  runToExit(gatewayEntry.serverFile, { GATEWAY_PORT: '0', LOG_LEVEL: 'silent', ...env })

t.test('when the configuration breaks a rule, then the process exits non-zero naming the variable', async (t) => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['header identity in production', { NODE_ENV: 'production', INTERNAL_TOKEN: INTERNAL }, /TRUST_USER_HEADER/],
    ['the development credential beyond loopback', { HOST: '0.0.0.0' }, /INTERNAL_TOKEN/],
    ['a short admin token', { ADMIN_TOKEN: 'secret' }, /ADMIN_TOKEN/],
    ['JWT mode without a key', { AUTH_MODE: 'jwt' }, /JWT_SECRET/],
  ]
  await Promise.all(
    cases.map(async ([name, env, message]) => {
      const { code, output } = await runGateway(env)
      t.equal(code, 1, `${name}: exit code 1`)
      t.match(output, message, `${name}: the message names the variable (${output.trim().slice(0, 160)})`)
    }),
  )
})

t.test('JWT with a secret (HS256)', async (t) => {
  const { gw } = await startStack(t, { AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ISSUER: 'https://id.example.com', JWT_AUDIENCE: 'rushgate' })
  const claims = { iss: 'https://id.example.com', aud: 'rushgate' }
  const valid = await signWithSecret(SECRET, { ...claims, sub: 'hs-user' })

  t.test('a valid token is its sub, whatever X-User-Id says', async (t) => {
    const a = await balanceOf(gw.url, { ...bearer(valid), 'x-user-id': 'someone-else' })
    t.match(a, { status: 200, body: { userId: 'hs-user', balance: 0 } })
    t.equal((await balanceOf(gw.url, { ...bearer(valid) })).body.userId, 'hs-user', 'and again, from the cache')
    t.match(await balanceOf(gw.url, { 'x-user-id': 'hs-user' }), { status: 401, body: { code: 'UNAUTHENTICATED', message: /Bearer <JWT> is required/ } })
    const concert = await createConcert(gw.url)
    const joined = await call(gw.url, 'POST', `/api/queues/${concert.id}/tokens`, { headers: bearer(valid) })
    t.equal(joined.status, 201, 'a JWT user joins the line')
  })

  t.test('when a claim is wrong or missing, then 401 with the reason', async (t) => {
    const now = Math.floor(Date.now() / 1000)
    const cases: [string, Promise<string>, RegExp][] = [
      ['expired', signWithSecret(SECRET, { ...claims, sub: 'u', exp: now - 5 }), /"exp" claim timestamp check failed/],
      ['without exp', new SignJWT({ ...claims, sub: 'u' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET)), /missing required "exp" claim/],
      ['not yet valid', signWithSecret(SECRET, { ...claims, sub: 'u', nbf: now + 600 }), /"nbf"/],
      ['another issuer', signWithSecret(SECRET, { ...claims, iss: 'https://evil.example.com', sub: 'u' }), /"iss"/],
      ['no issuer', signWithSecret(SECRET, { aud: 'rushgate', sub: 'u' }), /"iss"/],
      ['another audience', signWithSecret(SECRET, { ...claims, aud: 'other-app', sub: 'u' }), /"aud"/],
      ['without sub', signWithSecret(SECRET, { ...claims }), /"sub"/],
      ['a sub that is no user id', signWithSecret(SECRET, { ...claims, sub: 'a b' }), /sub is not 1-64 characters/],
      ['another secret', signWithSecret(`${SECRET}-other`, { ...claims, sub: 'u' }), /signature verification failed/],
      ['HS512', new SignJWT({ ...claims, sub: 'u', exp: now + 600 }).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(SECRET)), /"alg"/],
    ]
    for (const [name, token, reason] of cases) {
      const a = await balanceOf(gw.url, bearer(await token))
      t.match(a, { status: 401, body: { code: 'UNAUTHENTICATED', message: reason } }, name)
    }
    t.match(await balanceOf(gw.url, { authorization: 'Basic dTpw' }), { status: 401, body: { message: /must be "Bearer <JWT>"/ } })
  })

  t.test('the admin token is never a user, and a user token never the admin', async (t) => {
    t.match(await balanceOf(gw.url, admin), { status: 401, body: { code: 'UNAUTHENTICATED' } })
    const adminSub = await signWithSecret(SECRET, { ...claims, sub: 'admin' })
    t.match(await call(gw.url, 'GET', '/api/admin/queues/1', { headers: bearer(adminSub) }), { status: 401, body: { code: 'UNAUTHENTICATED' } })
    t.match(await call(gw.url, 'GET', '/api/admin/queues/1', { headers: bearer(valid) }), { status: 401 })
  })
})

t.test('JWT with a public key (RS256 or ES256 by its type): algorithm confusion is refused', async (t) => {
  for (const alg of ['RS256', 'ES256'] as const) {
    const key = await signingKey(alg, `${alg}-key`)
    const other = await signingKey(alg, `${alg}-key`)
    const { gw } = await startStack(t, { AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: key.pem })
    t.match(await balanceOf(gw.url, bearer(await key.sign({ sub: `${alg}-user` }))), { status: 200, body: { userId: `${alg}-user` } }, `${alg}: valid`)
    const forged: [string, string][] = [
      ['signed by another key', await other.sign({ sub: 'u' })],
      // The classic confusion: HS256 "signed" with the public key's PEM as the HMAC secret.
      ['HS256 with the public key as secret', await signWithSecret(key.pem, { sub: 'u' })],
      ['HS256 with the shared secret', await signWithSecret(SECRET, { sub: 'u' })],
    ]
    for (const [name, token] of forged) {
      t.match(await balanceOf(gw.url, bearer(token)), { status: 401, body: { code: 'UNAUTHENTICATED' } }, `${alg}: ${name}`)
    }
  }
})

t.test('JWT from a JWKS URL: rotation, a forger with made-up kids, and the JWKS server down', async (t) => {
  const [k1, k2, k3] = await Promise.all([signingKey('RS256', 'k1'), signingKey('ES256', 'k2'), signingKey('RS256', 'k3')])
  const jwks = await startJwksServer([k1])
  t.teardown(() => jwks.close())
  const { gw, core } = await startStack(t, { AUTH_MODE: 'jwt', JWT_JWKS_URL: jwks.url, JWT_JWKS_COOLDOWN_SECONDS: '1' })
  const statusOf = async (token: string) => (await balanceOf(gw.url, bearer(token))).status
  const t1 = await k1.sign({ sub: 'user-1' })
  const t2 = await k2.sign({ sub: 'user-2' })

  t.equal(await statusOf(t1), 200, 'a token of a listed key')
  t.equal(jwks.fetches(), 1, 'the set was fetched once')
  t.equal(await statusOf(t2), 401, 'a kid the set does not have yet')

  jwks.publish([k1, k2])
  await waitFor('the new key to be fetched after the cooldown', async () => (await statusOf(t2)) === 200, 10_000)
  t.pass('a key that appears is accepted after a refresh')

  // A forger sends tokens with made-up kids for a while, in bursts: each unknown kid asks for a
  // refresh, and the set is fetched at most once per cooldown (1 s here) however many arrive.
  const madeUp = await Promise.all(Array.from({ length: 200 }, (_, i) => k3.sign({ sub: 'forger' }, { kid: `forged-${i}` })))
  const before = jwks.fetches()
  const started = Date.now()
  const answers: number[] = []
  for (let burst = 0; burst < 10; burst++) {
    answers.push(...(await Promise.all(madeUp.slice(burst * 20, burst * 20 + 20).map(statusOf))))
    await new Promise((r) => setTimeout(r, 200))
  }
  const allowed = 1 + Math.floor((Date.now() - started) / 1000)
  t.same(new Set(answers), new Set([401]), '200 tokens with made-up kids are 401')
  t.ok(jwks.fetches() - before <= allowed, `and cost ${jwks.fetches() - before} fetches of the set in ${Date.now() - started} ms (at most ${allowed})`)

  jwks.publish([k2])
  t.equal(await statusOf(t1), 200, 'a removed key still works until the set is fetched again')
  await waitFor('a refresh that drops k1', async () => {
    await statusOf(await k3.sign({ sub: 'trigger' })) // an unknown kid: refreshes once the cooldown passed
    return (await statusOf(t1)) === 401
  }, 10_000)
  t.pass('a removed key is refused after a refresh, cached verdicts included')

  jwks.setDown(true)
  const fetchesDown = jwks.fetches()
  await waitFor('a failed refresh', async () => {
    await statusOf(await k3.sign({ sub: 'trigger' }))
    return jwks.fetches() > fetchesDown
  }, 10_000)
  t.equal(await statusOf(t2), 200, 'while the JWKS server is down the keys already fetched still verify')
  t.equal(await statusOf(await k2.sign({ sub: 'user-new' })), 200, 'new tokens of those keys too')

  t.test('a JWKS server never reached: 503 UPSTREAM_UNAVAILABLE, not a hang', async (t) => {
    const gone = await startJwksServer()
    await gone.close()
    const lost = await startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, env: { AUTH_MODE: 'jwt', JWT_JWKS_URL: gone.url } })
    t.teardown(() => lost.close())
    const a = await balanceOf(lost.url, bearer(t2))
    t.match(a, { status: 503, body: { code: 'UPSTREAM_UNAVAILABLE', message: /signing keys/ } })
    t.equal((await call(lost.url, 'GET', '/api/concerts')).status, 200, 'public routes still answer')
  })
})

t.test('verified tokens are remembered until exp, a bounded number of them', async (t) => {
  const verifier = new JwtVerifier({ keys: { kind: 'secret', secret: SECRET, algorithms: ['HS256'] }, issuer: null, audience: null }, () => {}, 100)
  const soon = await signWithSecret(SECRET, { sub: 'soon', exp: Math.floor(Date.now() / 1000) + 2 })
  t.same(await verifier.verify(soon), { userId: 'soon' })
  t.equal(verifier.cached(soon), 'soon', 'remembered')
  await waitFor('the token to expire', async () => verifier.cached(soon) === undefined, 5000)
  t.match(await verifier.verify(soon), { error: { code: 'UNAUTHENTICATED' } }, 'and refused once expired')

  const tokens = await Promise.all(Array.from({ length: 101 }, (_, i) => signWithSecret(SECRET, { sub: `u${i}` })))
  for (const token of tokens) await verifier.verify(token)
  t.equal(verifier.cached(tokens[0]!), undefined, 'past the bound the oldest was dropped')
  t.equal(verifier.cached(tokens[1]!), 'u1')
  t.equal(verifier.cached(tokens[100]!), 'u100')
  t.match(await verifier.verify('x'.repeat(9000)), { error: { message: /longer than 8192/ } })
})
