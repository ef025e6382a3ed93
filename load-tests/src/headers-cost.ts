/**
 * `tsx src/headers-cost.ts [--rounds N] [--duration S]`: the CPU per request that browser-facing
 * headers add, on a route that does nothing else (so the difference is all theirs): the gateway's
 * own nosniff hook (what API answers get), the same with CORS_ORIGINS set and an allowed Origin on
 * every request, and @fastify/helmet — with everything off but nosniff, and with the pages' full
 * set and CSP. Each variant is a process of its own (headers/server.ts); they are measured in turn,
 * round after round, and each row is its median round by the server's CPU.
 */
import { spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import { pinLoadGenerator } from './bench/cpu.ts'
import { measure, type Row } from './bench/measure.ts'
import { describeMachine, fmt, load, machine, table } from './report.ts'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '100' },
  },
})
const settings = { connections: Number(values.connections), duration: Number(values.duration), warmup: Number(values.warmup) }
const rounds = Number(values.rounds)
const pinned = pinLoadGenerator()
const TSX = import.meta.resolve('tsx')

const VARIANTS: [string, string, Record<string, string>][] = [
  ['none', 'no browser headers (Fastify + the contract errors)', {}],
  ['gateway', 'the gateway on API routes: its nosniff hook', {}],
  ['gateway-cors', 'the same with CORS_ORIGINS, an allowed Origin on every request', { origin: 'https://tickets.example.com' }],
  ['helmet-nosniff', '@fastify/helmet, all but nosniff off', {}],
  ['helmet-page', "@fastify/helmet, the pages' set and CSP", {}],
]

const servers = await Promise.all(
  VARIANTS.map(async ([variant]) => {
    const node = [process.execPath, '--import', TSX, '--conditions=@rushgate/source', new URL('./headers/server.ts', import.meta.url).pathname]
    const [command, ...args] = pinned ? ['taskset', '-c', pinned.servers, ...node] : node
    const child = spawn(command!, args, { env: { ...process.env, VARIANT: variant }, stdio: ['ignore', 'pipe', 'inherit'] })
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /listening (\S+)/.exec(chunk.toString())
        if (match?.[1]) resolve(match[1])
      })
      child.once('exit', (code) => reject(new Error(`${variant} exited with ${code}`)))
    })
    return { variant, url, pid: child.pid!, child }
  }),
)

const loadAtStart = load()
const taken = new Map<string, Row[]>()
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [i, [variant, name, headers]] of VARIANTS.entries()) {
      process.stderr.write(`[headers-cost] round ${round}/${rounds}: ${variant}\n`)
      const server = servers[i]!
      const row = await measure(
        { bench: 'headers', name, url: server.url, requests: [{ method: 'GET', path: '/x', headers }] },
        settings,
        { server: server.pid, autocannon: process.pid },
      )
      taken.set(variant, [...(taken.get(variant) ?? []), row])
    }
  }
} finally {
  for (const s of servers) s.child.kill('SIGTERM')
}

const median = (rows: Row[]) => [...rows].sort((a, b) => (a.cpu?.server ?? 0) - (b.cpu?.server ?? 0))[Math.floor((rows.length - 1) / 2)]!
const rows = VARIANTS.map(([variant]) => median(taken.get(variant) ?? []))
const none = rows[0]?.cpu?.server ?? 0
console.log(`\n${new Date().toISOString()} · ${describeMachine(machine())} · load ${loadAtStart} → ${load()}`)
console.log(`${settings.connections} connections, ${settings.duration} s per measurement after ${settings.warmup} s warm-up; median of ${rounds} rounds`)
if (pinned) console.log(`autocannon on CPU ${pinned.loadGenerator}, the servers on CPU ${pinned.servers}`)
console.log(
  `\n${table(
    ['headers', 'req/s', 'server CPU µs/req', 'added µs/req', 'server µs of each round'],
    rows.map((r, i) => [
      r.name,
      fmt.int(r.rps),
      r.cpu?.server?.toFixed(1) ?? '–',
      r.cpu?.server === undefined ? '' : (r.cpu.server - none).toFixed(1),
      (taken.get(VARIANTS[i]![0]) ?? []).map((x) => x.cpu?.server?.toFixed(1)).join(' '),
    ]),
  )}\n`,
)
process.exit(rows.some((r) => r.unexpected > 0) ? 1 : 0)
