/**
 * `pnpm rush:adaptive [--users N] [--seats N] [--fixed 20,50,100,200] [--adaptive-max N]
 *                      [--target-latency-ms MS] [--core-limit K] [--core-delay-ms MS]
 *                      [--drop-after-s S] [--drop-to K] [--admit-interval-ms MS]`
 *
 * Rushes against a core whose capacity drops mid-sale, side by side: the test kit's throttling
 * proxy between the gateway and the core lets at most --core-limit requests through at once, each
 * --core-delay-ms longer, and --drop-after-s seconds after the opening only --drop-to. One rush for
 * each fixed admitPerTick of --fixed, and one with adaptive admission (admitPerTick --adaptive-max,
 * targetLatencyMs --target-latency-ms), each on a fresh stack with the same users, seats and
 * schedule. Reported: tickets per second, the holds' latency as the users saw it, the gateway's 503s
 * (a forward to the core that failed or timed out), admissions to an empty map, the invariants.
 * Writes results/rush-adaptive-<time>.{md,json}; exits non-zero on an invariant violation.
 */
import { parseArgs } from 'node:util'
import { describeMachine, fmt, load, machine, stamp, table, writeResults } from './report.ts'
import { type RushSummary, runRush } from './rush/run.ts'
import { startStack } from './stack.ts'

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    seats: { type: 'string', default: '600' },
    fixed: { type: 'string', default: '10,25,50,100,200' },
    'adaptive-max': { type: 'string', default: '200' },
    'target-latency-ms': { type: 'string', default: '500' },
    'core-limit': { type: 'string', default: '16' },
    'core-delay-ms': { type: 'string', default: '40' },
    'drop-after-s': { type: 'string', default: '5' },
    'drop-to': { type: 'string', default: '4' },
    'admit-interval-ms': { type: 'string', default: '1000' },
  },
})
const log = (line: string) => process.stderr.write(`[rush:adaptive] ${line}\n`)
const users = Number(values.users)
const seats = Number(values.seats)
const target = Number(values['target-latency-ms'])
const throttle = { concurrency: Number(values['core-limit']), delayMs: Number(values['core-delay-ms']) }
const dropTo = Number(values['drop-to'])
const dropAfterMs = Number(values['drop-after-s']) * 1000
const interval = Number(values['admit-interval-ms'])

const runs: { label: string; admitPerTick: number; adaptive: boolean }[] = [
  ...values.fixed.split(',').map((n) => ({ label: `fixed ${n}`, admitPerTick: Number(n), adaptive: false })),
  { label: `adaptive (up to ${values['adaptive-max']}, target ${target} ms)`, admitPerTick: Number(values['adaptive-max']), adaptive: true },
]
const results: { label: string; adaptive: boolean; summary: RushSummary; maxQueued: number }[] = []
const loadAtStart = load()

for (const run of runs) {
  log(`${run.label}: starting a stack behind a core of ${throttle.concurrency} at once (+${throttle.delayMs} ms), ${dropTo} after ${dropAfterMs / 1000} s`)
  const stack = await startStack({ log, coreThrottle: throttle, gatewayEnv: { ADMIT_INTERVAL_MS: String(interval), RATE_LIMIT_PER_MINUTE: '600' } })
  try {
    const { summary } = await runRush(
      stack,
      {
        users,
        concerts: 1,
        seats,
        admitBatch: run.admitPerTick,
        admitIntervalMs: interval,
        maxActive: null,
        duration: 600,
        prequeue: true,
        connections: 256,
        progress: false,
        ticketLimit: null,
        greedyEvery: 0,
        refundEvery: 0,
        listen: true,
        ...(run.adaptive ? { adaptive: { targetLatencyMs: target } } : {}),
      },
      log,
      { opened: () => setTimeout(() => stack.throttle?.set({ concurrency: dropTo }), dropAfterMs).unref() },
    )
    results.push({ label: run.label, adaptive: run.adaptive, summary, maxQueued: stack.throttle?.stats.maxQueued ?? 0 })
    log(`${run.label}: ${summary.ticketsPerSecond} tickets/s, holds p99 ${summary.holdMs.p99} ms, ${summary.unavailable} 503s, ${summary.violations} violations`)
  } finally {
    await stack.stop()
  }
}

const fixed = results.filter((r) => !r.adaptive)
const best = fixed.reduce((a, b) => (b.summary.ticketsPerSecond > a.summary.ticketsPerSecond ? b : a))
const adaptive = results.find((r) => r.adaptive)!
const m = machine()
const markdown = [
  `# Adaptive admission against a core whose capacity drops mid-sale`,
  '',
  `Machine: ${describeMachine(m)}. 1-minute load average ${loadAtStart} at the start, ${load()} at the end (other work included).`,
  `Each rush: ${fmt.int(users)} users for ${fmt.int(seats)} seats (one date), a pre-queue, one seat each, waiting users on event streams, a tick every ${interval} ms, no maxActive.`,
  `The core behind the test kit's throttling proxy: ${throttle.concurrency} requests at once, each ${throttle.delayMs} ms longer, then ${dropTo} at once from ${dropAfterMs / 1000} s after the opening.`,
  '',
  table(
    ['admission', 'tickets per second', 'vs the best fixed', 'holds p50 / p99 / max', '503s (a forward failed or timed out)', 'time to ticket p50 / p99', 'empty-map admissions', 'most requests queued at the core', 'invariant violations'],
    results.map((r) => [
      r.label,
      r.summary.ticketsPerSecond,
      `${((r.summary.ticketsPerSecond / best.summary.ticketsPerSecond) * 100).toFixed(0)} %`,
      `${fmt.int(r.summary.holdMs.p50)} / ${fmt.int(r.summary.holdMs.p99)} / ${fmt.int(r.summary.holdMs.max)} ms`,
      fmt.int(r.summary.unavailable),
      `${fmt.int(r.summary.timeToTicketMs.p50)} / ${fmt.int(r.summary.timeToTicketMs.p99)} ms`,
      fmt.int(r.summary.emptyMapAdmissions),
      fmt.int(r.maxQueued),
      r.summary.violations,
    ]),
  ),
  '',
  `The best fixed setting was ${best.label} (${best.summary.ticketsPerSecond} tickets/s); adaptive admission sold ${adaptive.summary.ticketsPerSecond} tickets/s, ` +
    `${((adaptive.summary.ticketsPerSecond / best.summary.ticketsPerSecond) * 100).toFixed(0)} % of it, with holds' p99 at ${fmt.int(adaptive.summary.holdMs.p99)} ms ` +
    `(${(adaptive.summary.holdMs.p99 / target).toFixed(2)} × the target) and ${adaptive.summary.unavailable} 503s.`,
  '',
].join('\n')
const files = writeResults(`rush-adaptive-${stamp()}`, { machine: m, options: values, results: results.map((r) => ({ label: r.label, maxQueued: r.maxQueued, summary: r.summary })) }, markdown)
console.log(markdown)
log(`wrote ${files.join(', ')}`)
process.exit(results.some((r) => r.summary.violations > 0) ? 1 : 0)
