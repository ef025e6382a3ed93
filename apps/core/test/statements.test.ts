/** Statements with their values written in: what the text and the prepared form carry, and what is refused. */
import t from 'tap'
import { startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'
import { inOneMessage } from '../src/db/transaction.ts'
import { q, raw, send, statement } from '../src/db/statements.ts'

t.test('values are literals in the text and $n in the template; nested statements keep their values', async (t) => {
  const inner = q`id = ${7} and user_id = ${"o'brien"}`
  const sql = q`select 1 from r where ${inner} and amount > ${-5} and id = any(${[1, 2]}) and ${raw('x is null')} and v = ${null}`
  t.equal(sql.text, `select 1 from r where id = 7 and user_id = 'o''brien' and amount > (-5) and id = any('{1,2}'::int[]) and x is null and v = null`)
  t.same(sql.template(), {
    text: 'select 1 from r where id = $1 and user_id = $2 and amount > $3 and id = any($4) and x is null and v = $5',
    literals: ['7', "'o''brien'", '(-5)', "'{1,2}'::int[]", 'null'],
  })
  t.equal(q`a - ${-1}`.text, 'a - (-1)', 'a negative number never makes a -- comment')
  t.throws(() => q`${Number.NaN}`, /finite/)
  t.throws(() => q`${[1.5]}`, /integers/)
  t.throws(() => q`${{} as unknown as string}`, /cannot write/)
})

t.test('awkward strings arrive unchanged, as text on a pool and as prepared statements on a connection', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  const { pool } = core.app.database
  const awkward = ["it's", 'back\\slash', 'semi; drop table seats; --', '$1 $$ dollars', 'ünïcödé', '']
  for (const value of awkward) {
    const echo = statement(q`select ${value}::text as v`, (rows) => rows[0]!.v as string)
    t.same(await send(pool, echo), [value], `text: ${JSON.stringify(value)}`)
    t.same(await inOneMessage(pool, echo, echo), [value, value], `prepared: ${JSON.stringify(value)}`)
  }
  const seats = await inOneMessage(pool, statement(q`select count(*)::int as n from seats`, (rows) => rows[0]!.n as number))
  t.same(seats, [0], 'nothing was dropped')
})
