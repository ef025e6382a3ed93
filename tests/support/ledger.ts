/**
 * Reads the core's tables directly to check the money invariants a fault must never break:
 * no partial payment, balance = sum of the ledger, sold seats = paid reservations.
 */
import pg from 'pg'

export interface Invariants {
  /** Human-readable violations; empty when the books are consistent. */
  problems: string[]
  paidReservations: number
  soldSeats: number
  payments: number
}

async function rows<T>(client: pg.Client, sql: string): Promise<T[]> {
  return (await client.query(sql)).rows as T[]
}

export async function checkBooks(databaseUrl: string): Promise<Invariants> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const problems: string[] = []
    const report = (label: string, list: unknown[]) => {
      if (list.length) problems.push(`${label}: ${JSON.stringify(list.slice(0, 5))}`)
    }
    report(
      'PAID reservation without its payment row',
      await rows(client, `select r.id from reservations r left join payments p on p.id = r.payment_id
        where r.status = 'PAID' and (p.id is null or not (r.id = any(p.reservation_ids)))`),
    )
    report(
      'payment whose reservations are not all PAID by it',
      await rows(client, `select p.id from payments p where exists (select 1 from unnest(p.reservation_ids) rid
        left join reservations r on r.id = rid where r.id is null or r.status <> 'PAID' or r.payment_id <> p.id)`),
    )
    report(
      'payment without exactly one ledger entry of its amount',
      await rows(client, `select p.id from payments p where (select count(*) from ledger l
        where l.payment_id = p.id and l.kind = 'payment' and abs(l.amount) = p.amount) <> 1`),
    )
    report(
      'payment amount differs from the sum of its reservations',
      await rows(client, `select p.id from payments p where p.amount <> (select coalesce(sum(r.price), 0)
        from reservations r where r.id = any(p.reservation_ids))`),
    )
    report(
      'balance differs from the sum of the ledger',
      await rows(client, `select b.user_id, b.balance, coalesce(sum(case l.kind when 'charge' then abs(l.amount)
        else -abs(l.amount) end), 0) as ledger from balances b left join ledger l on l.user_id = b.user_id
        group by b.user_id, b.balance having b.balance <> coalesce(sum(case l.kind when 'charge' then abs(l.amount)
        else -abs(l.amount) end), 0)`),
    )
    report(
      'sold seat without a PAID reservation for it',
      await rows(client, `select s.schedule_id, s.seat_number from seats s where s.sold and not exists (select 1
        from reservations r where r.schedule_id = s.schedule_id and r.seat_number = s.seat_number and r.status = 'PAID')`),
    )
    report(
      'PAID reservation whose seat is not sold',
      await rows(client, `select r.id from reservations r join seats s on s.schedule_id = r.schedule_id
        and s.seat_number = r.seat_number where r.status = 'PAID' and not s.sold`),
    )
    report(
      'live HELD reservation whose seat does not record the hold',
      await rows(client, `select r.id from reservations r join seats s on s.schedule_id = r.schedule_id
        and s.seat_number = r.seat_number where r.status = 'HELD' and r.expires_at > now()
        and (s.sold or s.reservation_id is distinct from r.id)`),
    )
    const [counts] = await rows<{ paid: string; sold: string; payments: string }>(
      client,
      `select (select count(*) from reservations where status = 'PAID') as paid,
        (select count(*) from seats where sold) as sold, (select count(*) from payments) as payments`,
    )
    return {
      problems,
      paidReservations: Number(counts!.paid),
      soldSeats: Number(counts!.sold),
      payments: Number(counts!.payments),
    }
  } finally {
    await client.end()
  }
}
