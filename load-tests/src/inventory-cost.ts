/**
 * `tsx src/inventory-cost.ts [--places N] [--reads N]`: what the admission tick's inventory read
 * (`GET /api/inventory`, apps/core/src/data-access/inventory.ts) costs Postgres on a concert of one
 * date of N places (default 100,000), beside counting those places, which is what the read would do
 * without the stock the triggers keep. On a scratch database migrated by the core, in three states:
 * the date just created; mid-sale (30 % sold, 1,000 live holds by 700 users, 5,000 holds that ran
 * out); and the same with a tick's worth of sales (100 seats) not folded in yet. For each: the
 * statement's EXPLAIN (ANALYZE, BUFFERS), and the median and p95 of its time over --reads reads,
 * measured as Postgres's own execution time (EXPLAIN ANALYZE without per-row timing), so the
 * machine's other work moves it little. Writes results/inventory-cost-<time>.md.
 */
import { parseArgs } from 'node:util'
import { coreEntry } from '@rushgate/core/entry-points'
import { createScratchDatabase, dropScratchDatabase } from '@rushgate/testkit'
import pg from 'pg'
import { inventorySql } from '../../apps/core/src/data-access/inventory.ts'
import { createDatabase } from '../../apps/core/src/db/client.ts'
import { describeMachine, load, machine, percentile, stamp, table, writeResults } from './report.ts'

const { values } = parseArgs({ options: { places: { type: 'string', default: '100000' }, reads: { type: 'string', default: '50' } } })
const PLACES = Number(values.places)
const READS = Number(values.reads)
const log = (line: string) => process.stderr.write(`[inventory-cost] ${line}\n`)

const url = await createScratchDatabase(coreEntry, `rushgate_bench_inventory_${Date.now().toString(36)}`)
const client = new pg.Client({ connectionString: url })
await client.connect()
// The core's own Drizzle handle, to turn the read into its SQL text and parameters.
const core = createDatabase(url, 1)
interface Statement {
  sql: string
  params: unknown[]
}

/** Postgres's own execution time of `statement` (ms), and its plan when asked. */
async function measure(statement: Statement, plan = false): Promise<{ ms: number; text: string }> {
  const options = plan ? 'analyze, buffers' : 'analyze, timing off, summary on'
  const rows = (await client.query<{ 'QUERY PLAN': string }>(`explain (${options}) ${statement.sql}`, statement.params)).rows
  const text = rows.map((r) => r['QUERY PLAN']).join('\n')
  return { ms: Number(/Execution Time: ([\d.]+) ms/.exec(text)?.[1]), text }
}

/** The read as the tick makes it, and counting the places instead (what the stock saves). */
const read: Statement = (core.db as unknown as { dialect: { sqlToQuery(q: unknown): Statement } }).dialect.sqlToQuery(inventorySql([1]))
const counting: Statement = { params: [], sql: `select count(*) filter (where not sold and (held_by is null or hold_expires_at <= now())) as available,
  count(*) filter (where not sold and held_by is not null and hold_expires_at > now()) as held
  from seats join schedules s on s.id = seats.schedule_id where s.concert_id = 1 and s.starts_at > now()` }
// The cheapest count there is: an index-only scan of a partial index of the unsold places.
const indexOnly: Statement = { params: [], sql: 'select count(*) from seats where schedule_id = 1 and not sold' }

interface Row {
  state: string
  readMedian: number
  readP95: number
  countMedian: number
  indexOnlyMedian: number
  plan: string
}
const rows: Row[] = []

async function state(name: string): Promise<void> {
  await client.query('vacuum analyze seats, reservations, schedule_stock')
  // The first read folds what is pending: its plan is the one shown, then the steady reads.
  const { text: plan } = await measure(read, true)
  const times: number[] = []
  const counts: number[] = []
  const indexOnlyTimes: number[] = []
  for (let i = 0; i < READS; i++) {
    times.push((await measure(read)).ms)
    counts.push((await measure(counting)).ms)
    indexOnlyTimes.push((await measure(indexOnly)).ms)
  }
  rows.push({
    state: name,
    readMedian: percentile(times, 50),
    readP95: percentile(times, 95),
    countMedian: percentile(counts, 50),
    indexOnlyMedian: percentile(indexOnlyTimes, 50),
    plan,
  })
  log(`${name}: read ${percentile(times, 50)} ms, counting ${percentile(counts, 50)} ms`)
}

try {
  const loadAtStart = load()
  await client.query(`insert into concerts (title, venue) values ('Inventory', 'Stadium')`)
  await client.query(`insert into schedules (concert_id, starts_at, total_seats, price) values (1, now() + interval '30 days', $1, 1000)`, [PLACES])
  await client.query('insert into seats (schedule_id, seat_number, price) select 1, g, 1000 from generate_series(1, $1) g', [PLACES])
  await client.query('create index seats_unsold_probe on seats (schedule_id) where not sold')
  await state(`created (${PLACES.toLocaleString('en')} places, none sold)`)

  const sold = Math.floor(PLACES * 0.3)
  await client.query('update seats set sold = true where seat_number <= $1', [sold])
  await client.query(
    `insert into reservations (user_id, concert_id, schedule_id, seat_number, price, status, expires_at)
     select 'u' || (g % 700), 1, 1, $1 + g, 1000, 'HELD', now() + interval '10 minutes' from generate_series(1, 1000) g`,
    [sold],
  )
  await client.query(
    `update seats set held_by = 'u' || ((seat_number - $1) % 700), hold_expires_at = now() + interval '10 minutes'
     where seat_number between $1 + 1 and $1 + 1000`,
    [sold],
  )
  await client.query(
    `insert into reservations (user_id, concert_id, schedule_id, seat_number, price, status, expires_at)
     select 'x' || g, 1, 1, $1 + 1000 + g, 1000, 'HELD', now() - interval '1 minute' from generate_series(1, 5000) g`,
    [sold],
  )
  await state('mid-sale (30 % sold, 1,000 live holds by 700 users, 5,000 run out)')

  // A tick's sales, not folded in yet: the first read of the state folds them.
  await client.query('update seats set sold = true where seat_number between $1 + 7000 and $1 + 7099', [sold])
  await state('mid-sale, 100 places sold since the last read')

  const m = machine()
  const markdown = [
    `# The inventory read on a date of ${PLACES.toLocaleString('en')} places`,
    '',
    `Machine: ${describeMachine(m)}; PostgreSQL ${(await client.query('show server_version')).rows[0].server_version}. 1-minute load average ${loadAtStart} at the start, ${load()} at the end (other work included).`,
    `Times are Postgres's own execution time (EXPLAIN ANALYZE, timing off), the median and p95 of ${READS} reads, after VACUUM ANALYZE.`,
    '',
    table(
      ['state', 'inventory read median / p95', 'counting the places (median)', 'index-only count of the unsold (median)'],
      rows.map((r) => [r.state, `${r.readMedian.toFixed(3)} / ${r.readP95.toFixed(3)} ms`, `${r.countMedian.toFixed(2)} ms`, `${r.indexOnlyMedian.toFixed(2)} ms`]),
    ),
    '',
    ...rows.flatMap((r) => [`## ${r.state}: EXPLAIN (ANALYZE, BUFFERS) of the read`, '', '```text', r.plan, '```', '']),
  ].join('\n')
  const files = writeResults(`inventory-cost-${stamp()}`, { machine: m, places: PLACES, reads: READS, rows }, markdown)
  console.log(markdown)
  log(`wrote ${files.join(', ')}`)
} finally {
  await client.end()
  await core.pool.end()
  await dropScratchDatabase(url)
}
