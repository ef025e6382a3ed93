/**
 * Users' JWTs for tests of AUTH_MODE=jwt: signing with a secret or a key pair (jose), and a JWKS
 * server on port 0 whose keys a test rotates, counting how often the gateway fetches them.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'

export const hour = () => Math.floor(Date.now() / 1000) + 3600

/** An HS256 token; `exp` an hour ahead unless the claims say otherwise. */
export function signWithSecret(secret: string, claims: JWTPayload): Promise<string> {
  return new SignJWT({ exp: hour(), ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret))
}

export interface SigningKey {
  kid: string
  alg: 'RS256' | 'ES256'
  /** The public half as a JWK, as a JWKS lists it. */
  jwk: JWK
  /** The public half as PEM (SPKI), for JWT_PUBLIC_KEY. */
  pem: string
  sign(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>
}

export async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return {
    kid,
    alg,
    jwk,
    pem: await exportSPKI(publicKey),
    sign: (claims, header = {}) =>
      new SignJWT({ exp: hour(), ...claims }).setProtectedHeader({ alg, kid, typ: 'JWT', ...header }).sign(privateKey),
  }
}

export interface JwksServer {
  url: string
  /** What the server lists from now on. */
  publish(keys: SigningKey[]): void
  /** While down, every fetch is answered 503. */
  setDown(down: boolean): void
  /** How many times the key set was asked for. */
  fetches(): number
  close(): Promise<void>
}

export async function startJwksServer(keys: SigningKey[] = []): Promise<JwksServer> {
  let listed = keys
  let down = false
  let fetches = 0
  const server = createServer((req, res) => {
    fetches++
    if (down || req.url !== '/jwks.json') {
      res.writeHead(down ? 503 : 404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: listed.map((k) => k.jwk) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    publish: (next) => {
      listed = next
    },
    setDown: (value) => {
      down = value
    },
    fetches: () => fetches,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
