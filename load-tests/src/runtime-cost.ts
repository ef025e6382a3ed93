/**
 * `pnpm --filter @rushgate/load-tests runtime-cost [--rounds 3] [--users 1000] [--duration 10]`: what
 * running the services' TypeScript through tsx's loader costs against running the compiled
 * JavaScript (`pnpm build` first), in the same run, rounds alternating which goes first. For the
 * core and the gateway, each in both forms: the time from spawning node to the first 200 of
 * `/health/ready`, and the resident memory of the service's whole process tree (tsx starts an
 * esbuild service process beside node) once ready, and at its highest while the gateway's waiting
 * tokens are polled by autocannon (the poll bench's request). Prints a markdown table.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort, postgresServerUrl, SHARED_REDIS } from '@rushgate/testkit'
import autocannon from 'autocannon'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    users: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
  },
})
const rounds = Number(values.rounds)
const users = Number(values.users)
const duration = Number(values.duration)
const log = (line: string) => console.error(`[runtime-cost] ${line}`)
const app = (name: string) => fileURLToPath(new URL(`../../apps/${name}/`, import.meta.url))

type Mode = 'tsx' | 'compiled'
const ARGS: Record<Mode, string[]> = {
  tsx: ['--import', 'tsx', '--conditions=@rushgate/source', 'src/server.ts'],
  compiled: ['dist/server.js'],
}
for (const name of ['core', 'gateway']) {
  if (!existsSync(`${app(name)}dist/server.js`)) {
    console.error(`apps/${name} is not built: run pnpm build first`)
    process.exit(1)
  }
}

/** Resident memory of `pid` and every process below it, in MiB (Linux /proc). */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>()
  for (const line of execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number) as [number, number]
    children.set(pp, [...(children.get(pp) ?? []), p])
  }
  let kib = 0
  const walk = (p: number) => {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0)
    } catch {
      // gone meanwhile
    }
    for (const c of children.get(p) ?? []) walk(c)
  }
  walk(pid)
  return kib / 1024
}

interface Started {
  proc: ChildProcess
  url: string
  readyMs: number
}

async function start(name: string, mode: Mode, portVariable: string, env: Record<string, string>): Promise<Started> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const began = performance.now()
  const proc = spawn(process.execPath, ARGS[mode], {
    cwd: app(name),
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, [portVariable]: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} (${mode}) exited ${proc.exitCode}`)
    const ok = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (res) => res.ok,
      () => false,
    )
    if (ok) return { proc, url, readyMs: performance.now() - began }
    if (performance.now() - began > 120_000) throw new Error(`${name} (${mode}) not ready in 120 s`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function stop(s: Started): Promise<void> {
  const exited = new Promise((r) => s.proc.once('exit', r))
  s.proc.kill('SIGTERM')
  await exited
}

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, init)
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

interface Sample {
  mode: Mode
  coreReadyMs: number
  gatewayReadyMs: number
  coreRss: number
  gatewayRss: number
  corePeakRss: number
  gatewayPeakRss: number
  pollRps: number
}

async function measure(mode: Mode, round: number): Promise<Sample> {
  const id = randomBytes(4).toString('hex')
  const internal = `internal-${randomBytes(12).toString('hex')}`
  const adminToken = `admin-${randomBytes(12).toString('hex')}`
  const database = `rushgate_runtime_${id}`
  const dbUrl = new URL(postgresServerUrl())
  dbUrl.pathname = `/${database}`
  const core = await start('core', mode, 'CORE_PORT', { DATABASE_URL: dbUrl.href, INTERNAL_TOKEN: internal })
  const gateway = await start('gateway', mode, 'GATEWAY_PORT', {
    CORE_URL: core.url,
    INTERNAL_TOKEN: internal,
    ADMIN_TOKEN: adminToken,
    REDIS_URL: process.env.REDIS_URL ?? SHARED_REDIS,
    REDIS_KEY_PREFIX: `rgrt-${id}`,
    RATE_LIMIT_PER_MINUTE: '10000000',
    JOIN_LIMIT_PER_MINUTE: '10000000',
    TRUST_USER_HEADER: 'true',
  })
  try {
    await new Promise((r) => setTimeout(r, 2000))
    const coreRss = treeRss(core.proc.pid!)
    const gatewayRss = treeRss(gateway.proc.pid!)
    const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
    const concert = await json<{ id: number }>(`${gateway.url}/api/admin/concerts`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ title: `runtime ${id}`, venue: 'hall', schedules: [{ startsAt: '2030-01-01T19:00:00Z', seats: 10, price: 1000 }] }),
    })
    await json<unknown>(`${gateway.url}/api/admin/queues/${concert.id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ paused: true }) })
    const tokens: { user: string; token: string }[] = []
    for (let i = 0; i < users; i += 50) {
      const batch = Array.from({ length: Math.min(50, users - i) }, (_, j) => `rt-${id}-${i + j}`)
      tokens.push(
        ...(await Promise.all(
          batch.map(async (user) => ({ user, token: (await json<{ token: string }>(`${gateway.url}/api/queues/${concert.id}/tokens`, { method: 'POST', headers: { 'x-user-id': user } })).token })),
        )),
      )
    }
    let peakCore = coreRss
    let peakGateway = gatewayRss
    const sampler = setInterval(() => {
      peakCore = Math.max(peakCore, treeRss(core.proc.pid!))
      peakGateway = Math.max(peakGateway, treeRss(gateway.proc.pid!))
    }, 250)
    let next = 0
    const result = await autocannon({
      url: gateway.url,
      connections: 50,
      duration,
      requests: [
        {
          method: 'GET',
          path: `/api/queues/${concert.id}/tokens/current`,
          setupRequest: (req) => {
            const { user, token } = tokens[next++ % tokens.length]!
            return { ...req, headers: { 'x-user-id': user, 'x-queue-token': token } }
          },
        },
      ],
    })
    clearInterval(sampler)
    log(`round ${round} ${mode}: core ready in ${core.readyMs.toFixed(0)} ms, gateway in ${gateway.readyMs.toFixed(0)} ms; ${result.requests.average.toFixed(0)} polls/s`)
    return {
      mode,
      coreReadyMs: core.readyMs,
      gatewayReadyMs: gateway.readyMs,
      coreRss,
      gatewayRss,
      corePeakRss: peakCore,
      gatewayPeakRss: peakGateway,
      pollRps: result.requests.average,
    }
  } finally {
    await stop(gateway)
    await stop(core)
    const server = new URL(postgresServerUrl())
    server.pathname = '/postgres'
    const { default: pg } = await import('pg')
    const client = new pg.Client({ connectionString: server.href })
    await client.connect()
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await client.end()
  }
}

log(`node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
const samples: Sample[] = []
for (let round = 1; round <= rounds; round++) {
  const order: Mode[] = round % 2 ? ['tsx', 'compiled'] : ['compiled', 'tsx']
  for (const mode of order) samples.push(await measure(mode, round))
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const of = (mode: Mode, key: keyof Omit<Sample, 'mode'>) => median(samples.filter((s) => s.mode === mode).map((s) => s[key]))
const rows: [string, keyof Omit<Sample, 'mode'>, string][] = [
  ['core: start → /health/ready', 'coreReadyMs', 'ms'],
  ['gateway: start → /health/ready', 'gatewayReadyMs', 'ms'],
  ['core: RSS once ready', 'coreRss', 'MiB'],
  ['gateway: RSS once ready', 'gatewayRss', 'MiB'],
  ['core: highest RSS under the poll load', 'corePeakRss', 'MiB'],
  ['gateway: highest RSS under the poll load', 'gatewayPeakRss', 'MiB'],
  ['gateway: polls/s (closed loop, 50 connections)', 'pollRps', ''],
]
console.log(`node ${process.version}, ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end; medians of ${rounds} rounds\n`)
console.log('| measure | tsx (sources) | compiled | compiled ÷ tsx |')
console.log('| --- | --- | --- | --- |')
for (const [label, key, unit] of rows) {
  const a = of('tsx', key)
  const b = of('compiled', key)
  console.log(`| ${label} | ${a.toFixed(0)} ${unit} | ${b.toFixed(0)} ${unit} | ${(b / a).toFixed(2)} |`)
}
