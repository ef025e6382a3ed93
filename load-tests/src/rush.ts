/**
 * `pnpm rush [--users N] [--concerts N] [--seats N] [--admit-batch N] [--admit-interval-ms MS]
 *            [--max-active N|none] [--duration S] [--url URL] [--no-prequeue] [--connections N]
 *            [--ticket-limit N|none] [--greedy-every N] [--refund-every N] [--poll]
 *            [--plan stadium|<floor>x<sections>x<rows>x<seats per row>]`
 *
 * By default the concerts have a ticket limit of 2, every 10th user tries for 3 seats (and is told
 * TICKET_LIMIT_REACHED), and every 20th refunds its payment at once and lines up again. Waiting
 * users listen to their token's event stream as the page does (over HTTP/2); --poll makes them poll.
 *
 * With --plan, each concert is one date of a seating plan (`stadium`: ~70,000 places, two standing
 * floors and seated sections in grades) and the users are fans in groups of 1–4 who prefer better
 * grades and use best available, pick seats from a section's map, or stand (src/rush/plan.ts); the
 * ticket limit is then 4 unless given, and --seats, --greedy-every and --refund-every are not used.
 * The report adds first-try hold success by how fans asked, holds per ticket, and stranded seats.
 *
 * Plays a ticket rush against the stack at --url, or one it starts, checks the invariants at the end
 * and writes results/rush-<time>.{json,md,svg}. Exits non-zero on any violation.
 */
import { parseArgs } from 'node:util'
import { checksTable, rushMarkdown } from './rush/markdown.ts'
import { rushChart } from './rush/chart.ts'
import { saveRecord } from './rush/record.ts'
import { totals } from './rush/sampler.ts'
import { parsePlanSize, placesOf } from './rush/plan.ts'
import { runRush } from './rush/run.ts'
import { load, machine, stamp, writeResults } from './report.ts'
import { externalStack, startStack } from './stack.ts'

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '20000' },
    concerts: { type: 'string', default: '1' },
    seats: { type: 'string', default: '2500' },
    'admit-batch': { type: 'string', default: '200' },
    'admit-interval-ms': { type: 'string', default: '1000' },
    'max-active': { type: 'string', default: '1000' },
    'rate-limit': { type: 'string', default: '600' },
    duration: { type: 'string', default: '900' },
    connections: { type: 'string', default: '256' },
    url: { type: 'string' },
    'no-prequeue': { type: 'boolean', default: false },
    'ticket-limit': { type: 'string' },
    'greedy-every': { type: 'string', default: '10' },
    'refund-every': { type: 'string', default: '20' },
    profile: { type: 'string' },
    poll: { type: 'boolean', default: false },
    plan: { type: 'string' },
  },
})

const plan = values.plan === undefined ? undefined : parsePlanSize(values.plan)
// A fan buys up to 4 places: a rush on a plan has a ticket limit of 4 unless told otherwise.
const ticketLimit = values['ticket-limit'] ?? (plan ? '4' : '2')
const log = (line: string) => process.stderr.write(`[rush] ${line}\n`)
const options = {
  users: Number(values.users),
  concerts: Number(values.concerts),
  seats: Number(values.seats),
  admitBatch: Number(values['admit-batch']),
  admitIntervalMs: Number(values['admit-interval-ms']),
  maxActive: values['max-active'] === 'none' ? null : Number(values['max-active']),
  duration: Number(values.duration),
  prequeue: !values['no-prequeue'],
  connections: Number(values.connections),
  progress: true,
  ticketLimit: ticketLimit === 'none' ? null : Number(ticketLimit),
  greedyEvery: Number(values['greedy-every']),
  refundEvery: Number(values['refund-every']),
  listen: !values.poll,
  ...(plan ? { plan } : {}),
}

const stack = values.url
  ? externalStack(values.url)
  : await startStack({
      log,
      profileDir: values.profile,
      gatewayEnv: { ADMIT_INTERVAL_MS: String(options.admitIntervalMs), RATE_LIMIT_PER_MINUTE: values['rate-limit'] },
    })

let exitCode = 1
const loadAtStart = load()
try {
  const { record, summary } = await runRush(stack, options, log)
  const base = `rush-${stamp()}`
  const m = machine()
  const markdown = rushMarkdown(summary, m, `${base}.svg`, { start: loadAtStart, end: load() })
  const chart = rushChart(totals(record.samples), `Rush ${summary.runId}: ${options.users} users, ${plan ? placesOf(plan) : options.seats} ${plan ? 'places' : 'seats'}`)
  const files = writeResults(base, { machine: m, summary, samples: record.samples }, markdown, { [`${base}.svg`]: chart })
  const full = saveRecord(record)
  console.log(markdown)
  log(`wrote ${files.join(', ')} (full record: ${full})`)
  if (summary.violations > 0) console.error(`INVARIANT VIOLATIONS:\n${checksTable(summary.checks)}`)
  exitCode = summary.violations > 0 ? 1 : 0
} catch (err) {
  console.error(err)
} finally {
  await stack.stop()
}
process.exit(exitCode)
