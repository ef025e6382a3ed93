/**
 * `pnpm bench [token|poll|seats|holds|payments|rtt|pgbench|line …] [--url URL] [--duration S] [--warmup S] [--rounds N]
 *             [--connections N] [--users N] [--waiting N] [--rate-limit N] [--profile DIR] [--all]`
 *
 * Runs the benchmarks (all by default, `line` only when named or with --all) against the stack at
 * --url, or against one it starts. Beside each it measures its baseline (one Redis round trip, or a
 * hello-world of the same body size), and beside holds and payments Postgres's own ceiling
 * (`pgbench -N`); prints a table with the ratios, writes results/bench-<time>.{json,md} and exits
 * non-zero on any unexpected status. `--rate-limit` sets the gateway's RATE_LIMIT_PER_MINUTE (by
 * default so high that the limiter never refuses the load generator).
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { Api, HttpClient } from './client.ts'
import { BENCHES, baselineMeasurement } from './bench/benches.ts'
import { runLineBench, type LineResult } from './bench/line.ts'
import { localRedisPid, pinLoadGenerator, postgresBackends, type Watched } from './bench/cpu.ts'
import { combineRounds, measure, type Row } from './bench/measure.ts'
import { runPgbench } from './bench/pgbench.ts'
import { describeMachine, fmt, load, machine, stamp, table, writeResults } from './report.ts'
import { postgresServerUrl } from '@rushgate/testkit'
import { externalStack, startBaseline, startStack } from './stack.ts'

const HEADERS = [
  'bench',
  'measured',
  'req/s',
  'p50 ms',
  'p97.5 ms',
  'p99 ms',
  '× baseline',
  'its baseline req/s',
  '× core',
  '× pgbench',
  'CPU µs/req: server · core · postgres · redis · autocannon',
  'statuses',
]

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '100' },
    users: { type: 'string', default: '2500' },
    waiting: { type: 'string', default: '1000000' },
    profile: { type: 'string' },
    all: { type: 'boolean', default: false },
    'share-cpus': { type: 'boolean', default: false },
    'rate-limit': { type: 'string' },
  },
})

const known = [...BENCHES.map((b) => b.name), 'pgbench', 'line']
const unknown = positionals.filter((p) => !known.includes(p))
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${known.join(', ')}`)
  process.exit(2)
}
const selected = positionals.length > 0 ? positionals : values.all ? known : [...BENCHES.map((b) => b.name), 'pgbench']
const settings = { connections: Number(values.connections), duration: Number(values.duration), warmup: Number(values.warmup) }
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`)
/** pgbench clients: as many connections as the core's pool (DB_POOL_MAX default), so both get the same share. */
const PGBENCH_CLIENTS = 20

// autocannon on a CPU of its own, the servers on the others (unless --share-cpus or --url).
const pinned = values['share-cpus'] || values.url ? undefined : pinLoadGenerator()
if (pinned) log(`autocannon on CPU ${pinned.loadGenerator}, the servers on CPU ${pinned.servers}`)
const stack = values.url
  ? externalStack(values.url)
  : await startStack({
      log,
      profileDir: values.profile,
      cpus: pinned?.servers,
      gatewayEnv: values['rate-limit'] ? { RATE_LIMIT_PER_MINUTE: values['rate-limit'] } : {},
    })
const baseline = await startBaseline(stack.redisUrl, pinned?.servers)
// CPU per request of the server under test, Redis and autocannon (this process), where readable.
const redisPid = await localRedisPid(stack.redisUrl)
const common: Watched = { autocannon: process.pid, ...(redisPid ? { redis: redisPid } : {}) }
const watchServer = (pid: number | undefined): Watched => (pid ? { server: pid, ...common } : common)
const http = new HttpClient(stack.gatewayUrl, 64)
const api = new Api(http, stack.adminToken)
const runId = randomBytes(3).toString('hex')
const loadAtStart = load()
const rows: Row[] = []
let line: LineResult | undefined
let failed = false
const notes: string[] = []
/** pgbench on a scratch database of the stack's Postgres, its client on autocannon's CPU. */
const pgbench = async (bench: string): Promise<Row | null> => {
  const result = await runPgbench({
    adminUrl: process.env.PG_ADMIN_URL ?? postgresServerUrl(),
    clients: PGBENCH_CLIENTS,
    seconds: settings.duration,
    cpus: pinned ? String(pinned.loadGenerator) : undefined,
    log,
  })
  if ('skipped' in result) {
    log(`pgbench skipped: ${result.skipped}`)
    notes.push(`pgbench skipped: ${result.skipped}.`)
    return null
  }
  return { bench, name: `ceiling: ${result.command}`, kind: 'baseline', requests: 0, rps: Math.round(result.tps), p50: 0, p97_5: 0, p99: 0, statuses: {}, unexpected: 0 }
}

try {
  for (const bench of BENCHES.filter((b) => selected.includes(b.name))) {
    log(`${bench.title}: preparing`)
    const measurements = await bench.prepare({ stack, api, settings, runId, baselineUrl: baseline.url, users: Number(values.users), log })
    // Steps that use up what was prepared (a fixed amount) run once; the others in rounds.
    const rounds = measurements.some((m) => m.amount) ? 1 : Number(values.rounds)
    const taken = new Map<string, { row: Row; baseline: Row }[]>()
    const baselines = new Map<string, Row[]>()
    const ceiling = bench.againstPgbench ? await pgbench(bench.name) : null
    for (let r = 0; r < rounds; r++) {
      for (const m of measurements) {
        log(`${bench.name}: round ${r + 1}/${rounds}: baseline, then ${m.name}`)
        const yardstick = m.baseline ?? baselineMeasurement(bench.name, baseline.url)
        const base = await measure(yardstick, settings, watchServer(baseline.pid))
        baselines.set(yardstick.name, [...(baselines.get(yardstick.name) ?? []), base])
        // Through the gateway the core works too (unless the gateway answers alone, as from its cache).
        const watch = watchServer(m.url === stack.gatewayUrl ? stack.gatewayPid : m.url === stack.coreUrl ? stack.corePid : undefined)
        if (m.url === stack.gatewayUrl && stack.corePid) watch.core = stack.corePid
        // Postgres's backends of the core's pool, when it runs on this machine (not for the baseline).
        const groups = stack.databaseUrl && m.kind !== 'baseline' ? { postgres: () => postgresBackends(stack.databaseUrl!) } : undefined
        taken.set(m.name, [...(taken.get(m.name) ?? []), { row: await measure(m, settings, watch, groups), baseline: base }])
      }
    }
    const measured = measurements.map((m) => combineRounds(taken.get(m.name)!))
    // Gateway and core rounds ran back to back: the median of their per-round ratios.
    for (const m of measurements) {
      const row = measured.find((x) => x.name === m.name)!
      const viaGateway = taken.get(m.name)!
      const direct = m.compareToCore ? taken.get(m.compareToCore) : undefined
      if (direct) row.vsCore = median(viaGateway.map((g, r) => g.row.rps / Math.max(1, direct[r]!.row.rps)))
      if (ceiling) row.vsPgbench = row.rps / Math.max(1, ceiling.rps)
    }
    const bases = [...baselines.values()].map((b) => combineBaselines(bench.name, b))
    const benchRows = [...bases, ...(ceiling ? [ceiling] : []), ...measured]
    rows.push(...benchRows)
    console.log(table(HEADERS, benchRows.map(toCells)))
  }
  if (selected.includes('pgbench') && !BENCHES.some((b) => b.againstPgbench && selected.includes(b.name))) {
    const alone = await pgbench('pgbench')
    if (alone) rows.push(alone)
  }
  if (selected.includes('line')) {
    log('line: baseline')
    const base = await measure(baselineMeasurement('line', baseline.url), settings, watchServer(baseline.pid))
    line = await runLineBench({ stack, api, waiting: Number(values.waiting), runId, log })
    line.poll.vsBaseline = line.poll.rps / Math.max(base.rps, 1)
    line.poll.baselineRps = base.rps
    rows.push(base, line.poll, line.single)
  }
} catch (err) {
  failed = true
  console.error(err)
} finally {
  await http.close()
  await baseline.stop()
  await stack.stop()
}

const unexpected = rows.filter((r) => r.unexpected > 0)
const m = machine()
const markdown = [
  `# Benchmark run ${new Date().toISOString()}`,
  '',
  `Machine: ${describeMachine(m)}. ${settings.connections} connections, ${settings.duration} s per measurement after ${settings.warmup} s of warm-up,`,
  `${values.rounds} rounds each beside its own baseline round; a row shows its median round by ratio, and`,
  "`its baseline req/s` is the baseline round measured just before it (the baseline row is the median of all).",
  `1-minute load average ${loadAtStart} at the start, ${load()} at the end (${m.cpus} CPUs; other work on the machine included).`,
  'Steps with a fixed amount (holds, payments) run once, until their prepared requests are used up.',
  `Seat maps are compared with a Fastify hello-world answering a body of the same size (\`× baseline\`); holds and payments also with \`pgbench -N\` (simple-update) on a scratch database of the same Postgres with ${PGBENCH_CLIENTS} clients, the core's pool size, measured just before them (\`× pgbench\`).`,
  ...notes,
  pinned
    ? `autocannon runs in the same process as the orchestration, on CPU ${pinned.loadGenerator}; the servers on CPU ${pinned.servers}, Redis where the kernel puts it.`
    : 'autocannon runs in the same process as the orchestration, on the same cores as the servers.',
  'CPU µs/req: user + system CPU time of each process over the timed measurement (/proc), divided by its requests; `server` is the process measured (the gateway, the core or the baseline), `core` the core behind the gateway, `postgres` the backends of the core\'s pool.',
  '',
  table(HEADERS, rows.map(toCells)),
  '',
  line ? lineMarkdown(line) : '',
].join('\n')
const files = writeResults(`bench-${stamp()}`, { machine: m, settings, load: { start: loadAtStart, end: load() }, rows, line }, markdown)
console.log(`\n${table(HEADERS, rows.map(toCells))}\n`)
if (line) console.log(lineMarkdown(line))
log(`wrote ${files.join(', ')}`)
for (const row of unexpected) console.error(`unexpected statuses in ${row.bench} / ${row.name}: ${JSON.stringify(row.statuses)}`)
process.exit(failed || unexpected.length > 0 ? 1 : 0)

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0
}

/** The baseline rounds of one bench as one row: the median by rps, statuses summed. */
function combineBaselines(bench: string, baselines: Row[]): Row {
  const sorted = [...baselines].sort((a, b) => a.rps - b.rps)
  const statuses: Record<string, number> = {}
  for (const b of baselines) for (const [k, v] of Object.entries(b.statuses)) statuses[k] = (statuses[k] ?? 0) + v
  return {
    ...sorted[Math.floor((sorted.length - 1) / 2)]!,
    bench,
    statuses,
    requests: baselines.reduce((n, b) => n + b.requests, 0),
    unexpected: baselines.reduce((n, b) => n + b.unexpected, 0),
    rounds: baselines.map((b) => ({ rps: b.rps, baselineRps: b.rps })),
  }
}

function toCells(r: Row): (string | number)[] {
  const statuses = Object.entries(r.statuses)
    .map(([s, c]) => `${s}×${c}`)
    .join(' ')
  return [
    r.bench,
    r.name,
    fmt.int(r.rps),
    fmt.ms(r.p50),
    fmt.ms(r.p97_5),
    fmt.ms(r.p99),
    fmt.ratio(r.vsBaseline),
    r.baselineRps === undefined ? '' : fmt.int(r.baselineRps),
    fmt.ratio(r.vsCore),
    fmt.ratio(r.vsPgbench),
    cpuCell(r.cpu),
    statuses,
  ]
}

/** `server · core · postgres · redis · autocannon` in µs, a dash for a process that was not watched. */
function cpuCell(cpu: Row['cpu']): string {
  if (!cpu) return ''
  return ['server', 'core', 'postgres', 'redis', 'autocannon'].map((k) => (cpu[k] === undefined ? '–' : cpu[k].toFixed(1))).join(' · ')
}

function lineMarkdown(l: LineResult): string {
  return [
    `## Scale of the line: ${fmt.int(l.waiting)} waiting users`,
    '',
    `Filled ${l.method} in ${(l.fillMs / 1000).toFixed(1)} s.`,
    `MEMORY USAGE of the line's keys: ${Object.entries(l.keys)
      .map(([k, v]) => `${k} ${fmt.int(v)} B (${l.encoding[k]})`)
      .join(', ')}: **${l.bytesPerUser.toFixed(1)} bytes per waiting user**`,
    `(INFO used_memory grew by ${fmt.int(l.usedMemoryDelta)} B, ${(l.usedMemoryDelta / l.waiting).toFixed(1)} B per user, other clients included).`,
    '',
    table(HEADERS, [toCells(l.poll), toCells(l.single)]),
    '',
    `ZRANK alone at the same depths, timed from the benchmark process: p50 ${l.zrankP50.toFixed(3)} ms, p99 ${l.zrankP99.toFixed(3)} ms.`,
    '',
  ].join('\n')
}
