/** Direct access to a core's database for tests: arrange states (an expired hold) and read what happened. */
import pg from 'pg'
import type { Loose } from './http.ts'

export async function query<T extends pg.QueryResultRow = Loose>(databaseUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    return (await client.query<T>(text, values)).rows
  } finally {
    await client.end()
  }
}

/** Moves a hold's end into the past, as if its time had run out; no sweeper is involved. */
export async function expireHold(databaseUrl: string, reservationId: number): Promise<void> {
  await query(
    databaseUrl,
    `with r as (update reservations set expires_at = now() - interval '1 second' where id = $1
       returning schedule_id, seat_number)
     update seats s set hold_expires_at = now() - interval '1 second'
     from r where s.schedule_id = r.schedule_id and s.seat_number = r.seat_number and s.reservation_id = $1`,
    [reservationId],
  )
}

/** Everything a payment may touch, to compare before and after a refused one. */
export async function snapshot(databaseUrl: string, userId: string) {
  const [balances, ledger, reservations, seats, payments] = await Promise.all([
    query(databaseUrl, 'select * from balances where user_id = $1', [userId]),
    query(databaseUrl, 'select * from ledger where user_id = $1 order by id', [userId]),
    query(databaseUrl, 'select * from reservations where user_id = $1 order by id', [userId]),
    query(databaseUrl, 'select * from seats order by schedule_id, seat_number'),
    query(databaseUrl, 'select * from payments where user_id = $1 order by id', [userId]),
  ])
  return { balances, ledger, reservations, seats, payments }
}
