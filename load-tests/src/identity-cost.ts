/**
 * `tsx src/identity-cost.ts [--duration S] [--warmup S] [--rounds N] [--connections N] [--users N]`: the gateway's
 * CPU per request of the position poll (GET /api/queues/:id/tokens/current, the rush's most frequent
 * call) by how the caller says who they are: `X-User-Id` (header mode); a JWT the gateway verified
 * before (answered from its cache of verified tokens); a JWT it has never seen (a signature check on
 * every request) — HS256 with JWT_SECRET and ES256 with JWT_PUBLIC_KEY. One stack per key kind, all
 * running at once and measured in turn, round after round; each row is its median round by the
 * server's CPU, the figure to read against header mode's.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { signingKey, signWithSecret } from '@rushgate/testkit'
import { Headers as H } from '@rushgate/shared'
import type { RequestParams } from 'autocannon'
import { localRedisPid, pinLoadGenerator } from './bench/cpu.ts'
import { measure, type Row } from './bench/measure.ts'
import { Api, HttpClient } from './client.ts'
import { describeMachine, fmt, load, machine, table } from './report.ts'
import { createConcert, inParallel } from './setup.ts'
import { type Stack, startStack } from './stack.ts'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '100' },
    users: { type: 'string', default: '2000' },
  },
})
const settings = { connections: Number(values.connections), duration: Number(values.duration), warmup: Number(values.warmup) }
const userCount = Number(values.users)
const rounds = Number(values.rounds)
/** Tokens signed ahead for the "never seen" rows: more than all their rounds send at these rates. */
const UNSEEN_POOL = 40_000 * rounds
const log = (line: string) => process.stderr.write(`[identity-cost] ${line}\n`)
const runId = randomBytes(3).toString('hex')
const pinned = pinLoadGenerator()

type Sign = (sub: string, unique?: string) => Promise<string>
interface Kind {
  name: string
  gatewayEnv: Record<string, string>
  /** Signs a user's JWT (unique when given an id); null in header mode. */
  sign: Sign | null
}

const secret = randomBytes(32).toString('hex')
const es256 = await signingKey('ES256', 'bench')
const kinds: Kind[] = [
  { name: 'X-User-Id (header mode)', gatewayEnv: {}, sign: null },
  { name: 'HS256 JWT', gatewayEnv: { AUTH_MODE: 'jwt', JWT_SECRET: secret }, sign: (sub, jti) => signWithSecret(secret, { sub, ...(jti ? { jti } : {}) }) },
  { name: 'ES256 JWT', gatewayEnv: { AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: es256.pem }, sign: (sub, jti) => es256.sign({ sub, ...(jti ? { jti } : {}) }) },
]

interface Measured {
  name: string
  run(): Promise<Row>
}

const loadAtStart = load()
const stacks: Stack[] = []
const http: HttpClient[] = []
const measured: Measured[] = []
const taken = new Map<string, Row[]>()
try {
  for (const kind of kinds) {
    const stack = await startStack({ log, gatewayEnv: kind.gatewayEnv, cpus: pinned?.servers })
    stacks.push(stack)
    measured.push(...(await prepare(stack, kind)))
  }
  for (let round = 1; round <= rounds; round++) {
    for (const m of measured) {
      log(`round ${round}/${rounds}: ${m.name}`)
      taken.set(m.name, [...(taken.get(m.name) ?? []), await m.run()])
    }
  }
} finally {
  await Promise.allSettled(http.map((h) => h.close()))
  await Promise.allSettled(stacks.map((s) => s.stop()))
}
const rows = measured.map((m) => medianByServerCpu(taken.get(m.name) ?? []))

const header = rows[0]?.cpu?.server ?? 0
const cells = rows.map((r) => [
  r.name,
  fmt.int(r.rps),
  ['server', 'redis', 'autocannon'].map((k) => r.cpu?.[k]?.toFixed(1) ?? '–').join(' · '),
  r.cpu?.server === undefined ? '' : `${r.cpu.server - header >= 0 ? '+' : ''}${(r.cpu.server - header).toFixed(1)}`,
  Object.entries(r.statuses)
    .map(([s, c]) => `${s}×${c}`)
    .join(' '),
])
console.log(`\n${new Date().toISOString()} · ${describeMachine(machine())} · load ${loadAtStart} → ${load()}`)
console.log(
  `${settings.connections} connections, ${settings.duration} s per measurement after ${settings.warmup} s warm-up, ${userCount} waiting users; median of ${rounds} rounds`,
)
if (pinned) console.log(`autocannon on CPU ${pinned.loadGenerator}, the servers on CPU ${pinned.servers}`)
console.log(`\n${table(['identity', 'req/s', 'CPU µs/req: server · redis · autocannon', 'server µs vs header', 'statuses'], cells)}\n`)
process.exit(rows.some((r) => r.unexpected > 0) ? 1 : 0)

/** Joins the users under this kind of identity; returns the measurements of its stack. */
async function prepare(stack: Stack, kind: Kind): Promise<Measured[]> {
  const client = new HttpClient(stack.gatewayUrl, 64)
  http.push(client)
  const api = new Api(client, stack.adminToken)
  const concert = await createConcert(api, `identity cost ${runId}`, 10)
  await api.patchQueue(concert.id, { paused: true })
  const users = Array.from({ length: userCount }, (_, i) => `id${runId}-${i}`)
  const identities = await Promise.all(
    users.map(async (u): Promise<Record<string, string>> => (kind.sign ? { [H.authorization]: `Bearer ${await kind.sign(u)}` } : { [H.userId]: u })),
  )
  log(`${kind.name}: ${users.length} users join`)
  const tokens = await inParallel(users, 32, async (_u, i) => {
    const res = await client.call<{ token: string }>('POST', `/api/queues/${concert.id}/tokens`, identities[i]!)
    if (res.status !== 201) throw new Error(`join answered ${res.status}`)
    return res.body.token
  })
  const redisPid = await localRedisPid(stack.redisUrl)
  const watch = { ...(stack.gatewayPid ? { server: stack.gatewayPid } : {}), ...(redisPid ? { redis: redisPid } : {}), autocannon: process.pid }
  const path = `/api/queues/${concert.id}/tokens/current`
  const poll = (name: string, headersOf: (n: number) => Record<string, string>): Measured => {
    // One counter across rounds: the "never seen" rows never send a token twice.
    let n = 0
    const setupRequest = (req: RequestParams) => {
      const i = n++
      return { ...req, headers: { ...headersOf(i), [H.queueToken]: tokens[i % users.length] as string } }
    }
    return { name, run: () => measure({ bench: 'identity', name, url: stack.gatewayUrl, requests: [{ method: 'GET', path, setupRequest }] }, settings, watch) }
  }
  const seen = poll(kind.sign ? `${kind.name}, verified before (cached)` : kind.name, (i) => identities[i % users.length]!)
  if (!kind.sign) return [seen]
  log(`${kind.name}: signing ${UNSEEN_POOL} tokens never sent before`)
  const unseen = await inParallel(
    Array.from({ length: UNSEEN_POOL }, (_, i) => i),
    64,
    async (i) => ({ [H.authorization]: `Bearer ${await kind.sign!(users[i % users.length]!, `${runId}-${i}`)}` }),
  )
  const name = `${kind.name}, never seen (verified every request)`
  return [
    seen,
    poll(name, (i) => {
      if (i === UNSEEN_POOL) log(`${name}: more requests than signed tokens; later ones were verified before`)
      return unseen[i % UNSEEN_POOL]!
    }),
  ]
}

function medianByServerCpu(of: Row[]): Row {
  const sorted = [...of].sort((a, b) => (a.cpu?.server ?? 0) - (b.cpu?.server ?? 0))
  const statuses: Record<string, number> = {}
  for (const row of of) for (const [k, v] of Object.entries(row.statuses)) statuses[k] = (statuses[k] ?? 0) + v
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, statuses, unexpected: of.reduce((n, r) => n + r.unexpected, 0) }
}
