/**
 * The money and seat invariants, checked straight in the database after a test:
 * every balance equals the sum of its user's ledger; no seat has more than one paid reservation;
 * a sold seat has exactly one paid reservation and each paid reservation's seat is sold.
 */
import pg from 'pg'

export interface InvariantReport {
  balanceMismatches: { userId: string; balance: number; ledger: number }[]
  seatsPaidTwice: { scheduleId: number; seatNumber: number; paid: number }[]
  soldWithoutPayment: { scheduleId: number; seatNumber: number }[]
  paidNotSold: { reservationId: number }[]
}

export async function checkInvariants(databaseUrl: string): Promise<InvariantReport> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const balanceMismatches = await client.query(`
      select coalesce(b.user_id, l.user_id) as "userId", coalesce(b.balance, 0)::float8 as balance,
        coalesce(l.total, 0)::float8 as ledger
      from balances b full join (select user_id, sum(amount) as total from ledger group by user_id) l
        on l.user_id = b.user_id
      where coalesce(b.balance, 0) <> coalesce(l.total, 0)`)
    const seatsPaidTwice = await client.query(`
      select schedule_id as "scheduleId", seat_number as "seatNumber", count(*)::int as paid
      from reservations where status = 'PAID' group by schedule_id, seat_number having count(*) > 1`)
    const soldWithoutPayment = await client.query(`
      select s.schedule_id as "scheduleId", s.seat_number as "seatNumber" from seats s
      where s.sold and not exists (select 1 from reservations r where r.schedule_id = s.schedule_id
        and r.seat_number = s.seat_number and r.status = 'PAID')`)
    const paidNotSold = await client.query(`
      select r.id as "reservationId" from reservations r join seats s
        on s.schedule_id = r.schedule_id and s.seat_number = r.seat_number
      where r.status = 'PAID' and not s.sold`)
    return {
      balanceMismatches: balanceMismatches.rows,
      seatsPaidTwice: seatsPaidTwice.rows,
      soldWithoutPayment: soldWithoutPayment.rows,
      paidNotSold: paidNotSold.rows,
    }
  } finally {
    await client.end()
  }
}

/** Throws, listing every violation, unless all invariants hold. */
export async function assertInvariants(databaseUrl: string): Promise<void> {
  const report = await checkInvariants(databaseUrl)
  const broken = Object.entries(report).filter(([, rows]) => rows.length > 0)
  if (broken.length > 0) throw new Error(`invariants broken: ${JSON.stringify(Object.fromEntries(broken))}`)
}
