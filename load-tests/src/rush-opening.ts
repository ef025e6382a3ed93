/**
 * `pnpm rush:opening [--users N] [--min-delay-ms MS] [--max-delay-ms MS] [--spread-ms MS] [--lead-ms MS]
 *                    [--connections N] [--url URL]`
 *
 * The opening scenario (src/rush/opening.ts), twice against one stack: as a race on an open line,
 * then with a pre-queue and the draw. Prints how much of the first tenth admitted is the fastest
 * decile (about 0.1 when arrival speed does not decide the order) and writes
 * results/opening-<time>.{json,md}.
 */
import { parseArgs } from 'node:util'
import { type OpeningResult, runOpening } from './rush/opening.ts'
import { describeMachine, load, machine, stamp, table, writeResults } from './report.ts'
import { externalStack, startStack } from './stack.ts'

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    'min-delay-ms': { type: 'string', default: '5' },
    'max-delay-ms': { type: 'string', default: '500' },
    'spread-ms': { type: 'string', default: '0' },
    'lead-ms': { type: 'string', default: '5000' },
    connections: { type: 'string', default: '256' },
    url: { type: 'string' },
  },
})
const log = (line: string) => process.stderr.write(`[opening] ${line}\n`)
const common = {
  users: Number(values.users),
  minDelayMs: Number(values['min-delay-ms']),
  maxDelayMs: Number(values['max-delay-ms']),
  spreadMs: Number(values['spread-ms']),
  leadMs: Number(values['lead-ms']),
  connections: Number(values.connections),
}
const stack = values.url ? externalStack(values.url) : await startStack({ log })
let exitCode = 1
try {
  const loadAtStart = load()
  const results: OpeningResult[] = []
  for (const mode of ['race', 'prequeue'] as const) {
    const result = await runOpening(stack, { ...common, mode }, log)
    log(`${mode}: fastest decile ${result.share} of the first tenth (slowest ${result.slowestShare})`)
    results.push(result)
  }
  const m = machine()
  const markdown = [
    `# The opening: does arrival speed decide the order? (${new Date().toISOString().slice(0, 10)})`,
    '',
    `${common.users} users, one-way network delay uniform in ${common.minDelayMs}–${common.maxDelayMs} ms, pressing join ` +
      `${common.spreadMs > 0 ? `within the same ${common.spreadMs} ms` : 'at the same moment'}; the first tenth admitted (admitPerTick = maxActive = N/10).`,
    '',
    table(
      ['line', 'first tenth admitted', 'of them fastest decile', 'share (fair: 0.1)', 'share of the slowest decile', 'joins PREQUEUE', 'join errors'],
      results.map((r) => [
        r.mode === 'race' ? 'race (no opensAt)' : 'pre-queue + draw',
        r.firstTenth,
        r.fastestInFirstTenth,
        r.share,
        r.slowestShare,
        r.prequeued,
        r.joinErrors,
      ]),
    ),
    '',
    `Machine: ${describeMachine(m)}; load average ${loadAtStart.toFixed(2)} → ${load().toFixed(2)}.`,
    '',
  ].join('\n')
  const files = writeResults(`opening-${stamp()}`, { machine: m, options: common, results }, markdown)
  console.log(markdown)
  log(`wrote ${files.join(', ')}`)
  exitCode = results.every((r) => r.firstTenth === Math.ceil(common.users / 10) && r.joinErrors === 0) ? 0 : 1
} catch (err) {
  console.error(err)
} finally {
  await stack.stop()
}
process.exit(exitCode)
