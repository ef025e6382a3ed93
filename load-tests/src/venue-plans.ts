/**
 * `pnpm tsx src/venue-plans.ts`: the query plans of group holds on a 70,000-place date (the stadium
 * of the venue bench), as Postgres runs them inside `hold_places` (auto_explain of its nested
 * statements, with ANALYZE): that best available and standing read the free places they choose among
 * through the index `seats_free_by_place`, never the date's 70,000 rows. Prints them for RESULTS.md.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import pg from 'pg'
import { call, startCore } from '@rushgate/testkit'
import { stadiumPlan } from './bench/benches.ts'

const core = await startCore(coreEntry, { env: { MAX_HOLDS_PER_USER: '100' } })
try {
  const created = await call(core, 'POST', '/api/admin/concerts', { body: stadiumPlan('plans') })
  const concertId = created.body.id as number
  const scheduleId = created.body.schedules[0].id as number
  // Some of the front taken first, as in a rush: 300 pairs best available, 300 standing pairs.
  for (let i = 0; i < 300; i++) {
    await call(core, 'POST', `/api/concerts/${concertId}/holds`, { user: `warm${i}`, body: { scheduleId, bestAvailable: { quantity: 2 } } })
    await call(core, 'POST', `/api/concerts/${concertId}/holds`, { user: `warm${i}`, body: { scheduleId, section: 'F1', quantity: 2 } })
  }
  const client = new pg.Client({ connectionString: core.databaseUrl })
  await client.connect()
  const plans: string[] = []
  client.on('notice', (n) => plans.push(n.message ?? ''))
  await client.query(`load 'auto_explain'`)
  await client.query(`set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_nested_statements = on;
    set auto_explain.log_timing = on; set client_min_messages = log`)
  const forms: [string, string][] = [
    ['best available, 2 together', `'best', null, 2, null, null, true`],
    ['best available, 3 not together', `'best', null, 3, null, null, false`],
    ['standing, 2', `'standing', null, 2, null, 'F1', true`],
    ['chosen seats, 2', `'seats', '{69999,70000}'::int[], null, null, null, true`],
  ]
  for (const [name, args] of forms) {
    plans.length = 0
    await client.query(`select hold_places('explain', ${concertId}, ${scheduleId}, ${args}, 300, 100, null)`)
    console.log(`\n## ${name}\n`)
    for (const plan of plans.filter((p) => /seats/.test(p) && !/^duration: [\d.]+ ms {2}plan:\s+Query Text: select hold_places/.test(p))) {
      console.log(plan.replace(/\n\s*\n/g, '\n'))
    }
  }
  await client.end()
} finally {
  await core.close()
}
