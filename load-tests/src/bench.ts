/**
 * `pnpm bench [token|poll|seats|holds|payments|line …] [--url URL] [--duration S] [--connections N]
 *             [--users N] [--waiting N] [--profile DIR]`
 *
 * Runs the benchmarks (all by default, `line` only when named or with --all) against the stack at
 * --url, or against one it starts. Beside each it measures the one-Redis-round-trip baseline, prints a
 * table with the ratio, writes results/bench-<time>.{json,md} and exits non-zero on any unexpected
 * status.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { Api, HttpClient } from './client.ts'
import { BENCHES, baselineMeasurement } from './bench/benches.ts'
import { runLineBench, type LineResult } from './bench/line.ts'
import { measure, type Row } from './bench/measure.ts'
import { describeMachine, fmt, machine, stamp, table, writeResults } from './report.ts'
import { externalStack, startBaseline, startStack } from './stack.ts'

const HEADERS = ['bench', 'measured', 'req/s', 'p50 ms', 'p97.5 ms', 'p99 ms', '× baseline', '× core', 'statuses']

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    users: { type: 'string', default: '2500' },
    waiting: { type: 'string', default: '1000000' },
    profile: { type: 'string' },
    all: { type: 'boolean', default: false },
  },
})

const known = [...BENCHES.map((b) => b.name), 'line']
const unknown = positionals.filter((p) => !known.includes(p))
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${known.join(', ')}`)
  process.exit(2)
}
const selected = positionals.length > 0 ? positionals : values.all ? known : BENCHES.map((b) => b.name)
const settings = { connections: Number(values.connections), duration: Number(values.duration) }
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`)

const stack = values.url
  ? externalStack(values.url)
  : await startStack({ log, profileDir: values.profile, coreEnv: { LOG_LEVEL: 'warn' } })
const baseline = await startBaseline(stack.redisUrl)
const http = new HttpClient(stack.gatewayUrl, 64)
const api = new Api(http, stack.adminToken)
const runId = randomBytes(3).toString('hex')
const rows: Row[] = []
let line: LineResult | undefined
let failed = false

try {
  for (const bench of BENCHES.filter((b) => selected.includes(b.name))) {
    log(`${bench.title}: baseline`)
    const base = await measure(baselineMeasurement(bench.name, baseline.url), settings)
    log(`${bench.title}: preparing and measuring`)
    const measured = await bench.run({ stack, api, settings, runId, baselineUrl: baseline.url, users: Number(values.users), log })
    for (const row of measured) if (row.kind !== 'core') row.vsBaseline = row.rps / Math.max(base.rps, 1)
    rows.push(base, ...measured)
    console.log(table(HEADERS, [base, ...measured].map(toCells)))
  }
  if (selected.includes('line')) {
    log('line: baseline')
    const base = await measure(baselineMeasurement('line', baseline.url), settings)
    line = await runLineBench({ stack, api, waiting: Number(values.waiting), runId, log })
    line.poll.vsBaseline = line.poll.rps / Math.max(base.rps, 1)
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
  `Machine: ${describeMachine(m)}. ${settings.connections} connections, ${settings.duration} s per measurement`,
  '(fixed-amount steps run until their prepared requests are used up). autocannon runs in the same process',
  'as the orchestration, on the same cores as the servers.',
  '',
  table(HEADERS, rows.map(toCells)),
  '',
  line ? lineMarkdown(line) : '',
].join('\n')
const files = writeResults(`bench-${stamp()}`, { machine: m, settings, rows, line }, markdown)
console.log(`\n${table(HEADERS, rows.map(toCells))}\n`)
if (line) console.log(lineMarkdown(line))
log(`wrote ${files.join(', ')}`)
for (const row of unexpected) console.error(`unexpected statuses in ${row.bench} / ${row.name}: ${JSON.stringify(row.statuses)}`)
process.exit(failed || unexpected.length > 0 ? 1 : 0)

function toCells(r: Row): (string | number)[] {
  const statuses = Object.entries(r.statuses)
    .map(([s, c]) => `${s}×${c}`)
    .join(' ')
  return [r.bench, r.name, fmt.int(r.rps), fmt.ms(r.p50), fmt.ms(r.p97_5), fmt.ms(r.p99), fmt.ratio(r.vsBaseline), fmt.ratio(r.vsCore), statuses]
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
