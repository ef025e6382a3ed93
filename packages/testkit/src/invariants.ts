/**
 * The money and seat invariants of the core, checked straight in its database. This list is the one
 * place they are written: the core's tests check it after every test, the fault suite after every
 * fault, the rush's verify after a rush.
 *
 * To add a rule, add an entry to INVARIANTS: SQL selecting the rows that break it, `$1` being the
 * concert ids (rules about seats and payments) or the user ids (rules about money) to look at, or null
 * for all. A refund turns a PAID payment and its reservations REFUNDED, frees their seats and writes
 * a 'refund' ledger entry of plus the amount: the rules below say so where it matters.
 */
import pg from 'pg'

/** How the rush report groups the rules; the tests only ask whether any is broken. */
export type InvariantGroup = 'sold-once' | 'seats-match-payments' | 'money' | 'ticket-limits'

export interface Invariant {
  /** What must hold, as a sentence. */
  rule: string
  group: InvariantGroup
  /** What `$1` narrows: seats and payments by concert, money by user. */
  scope: 'concerts' | 'users'
  /** Selects the rows that break the rule. */
  sql: string
  describe(row: Record<string, unknown>): string
}

/** `$1` narrows a rule to some concerts or some users; null looks at all of them. */
const IN_CONCERTS = (column: string) => `($1::int[] is null or ${column} = any($1::int[]))`
const OF_USERS = (column: string) => `($1::text[] is null or ${column} = any($1::text[]))`

export const INVARIANTS: Invariant[] = [
  {
    rule: 'no seat has more than one PAID reservation',
    group: 'sold-once',
    scope: 'concerts',
    sql: `select schedule_id, seat_number, count(*)::int as n from reservations
      where status = 'PAID' and ${IN_CONCERTS('concert_id')} group by 1, 2 having count(*) > 1`,
    describe: (r) => `seat ${r.schedule_id}/${r.seat_number} has ${r.n} PAID reservations`,
  },
  {
    rule: 'no reservation is in more than one payment',
    group: 'sold-once',
    scope: 'concerts',
    sql: `select rid, count(*)::int as n from payments p, unnest(p.reservation_ids) rid
      where ${IN_CONCERTS('p.concert_id')} group by rid having count(*) > 1`,
    describe: (r) => `reservation ${r.rid} is in ${r.n} payments`,
  },
  {
    rule: 'a sold seat has a PAID reservation',
    group: 'seats-match-payments',
    scope: 'concerts',
    sql: `select s.schedule_id, s.seat_number from seats s join schedules sc on sc.id = s.schedule_id
      where s.sold and ${IN_CONCERTS('sc.concert_id')} and not exists (select 1 from reservations r
        where r.schedule_id = s.schedule_id and r.seat_number = s.seat_number and r.status = 'PAID')`,
    describe: (r) => `seat ${r.schedule_id}/${r.seat_number} is sold without a PAID reservation`,
  },
  {
    rule: "a PAID reservation's seat is sold",
    group: 'seats-match-payments',
    scope: 'concerts',
    sql: `select r.id, r.schedule_id, r.seat_number from reservations r
      left join seats s on s.schedule_id = r.schedule_id and s.seat_number = r.seat_number
      where r.status = 'PAID' and s.sold is not true and ${IN_CONCERTS('r.concert_id')}`,
    describe: (r) => `reservation ${r.id} is PAID but seat ${r.schedule_id}/${r.seat_number} is not sold`,
  },
  {
    rule: 'a PAID reservation belongs to a payment that lists it',
    group: 'seats-match-payments',
    scope: 'concerts',
    sql: `select r.id, r.payment_id from reservations r left join payments p on p.id = r.payment_id
      where r.status = 'PAID' and (p.id is null or not (r.id = any(p.reservation_ids))) and ${IN_CONCERTS('r.concert_id')}`,
    describe: (r) => `reservation ${r.id} is PAID without its payment (payment_id ${r.payment_id})`,
  },
  {
    rule: "a payment's reservations are all PAID by it, or all REFUNDED with it",
    group: 'seats-match-payments',
    scope: 'concerts',
    sql: `select p.id, p.status from payments p where ${IN_CONCERTS('p.concert_id')} and exists (select 1
      from unnest(p.reservation_ids) rid left join reservations r on r.id = rid
      where r.id is null or r.status is distinct from p.status or r.payment_id is distinct from p.id)`,
    describe: (r) => `payment ${r.id} (${r.status}) has a reservation whose status or payment differs`,
  },
  {
    rule: "a REFUNDED reservation's seat is not sold for it",
    group: 'seats-match-payments',
    scope: 'concerts',
    sql: `select r.id from reservations r join seats s on s.schedule_id = r.schedule_id and s.seat_number = r.seat_number
      where r.status = 'REFUNDED' and s.sold and s.reservation_id = r.id and ${IN_CONCERTS('r.concert_id')}`,
    describe: (r) => `reservation ${r.id} is REFUNDED but its seat is still sold for it`,
  },
  {
    rule: 'a payment is REFUNDED exactly when it has a refundedAt, never before it was paid',
    group: 'money',
    scope: 'users',
    sql: `select id, status from payments
      where ((status = 'REFUNDED') <> (refunded_at is not null) or refunded_at < paid_at) and ${OF_USERS('user_id')}`,
    describe: (r) => `payment ${r.id} is ${r.status} with a refundedAt that does not match`,
  },
  {
    rule: "a payment's amount is the sum of its reservations' prices",
    group: 'seats-match-payments',
    scope: 'concerts',
    sql: `select p.id, p.amount, coalesce((select sum(r.price) from reservations r where r.id = any(p.reservation_ids)), 0) as prices
      from payments p where ${IN_CONCERTS('p.concert_id')}
        and p.amount <> coalesce((select sum(r.price) from reservations r where r.id = any(p.reservation_ids)), 0)`,
    describe: (r) => `payment ${r.id}: amount ${r.amount} ≠ sum of prices ${r.prices}`,
  },
  {
    rule: 'a live hold is recorded on its seat',
    group: 'seats-match-payments',
    scope: 'concerts',
    sql: `select r.id from reservations r
      left join seats s on s.schedule_id = r.schedule_id and s.seat_number = r.seat_number
      where r.status = 'HELD' and r.expires_at > now() and ${IN_CONCERTS('r.concert_id')}
        and (s.schedule_id is null or s.sold or s.reservation_id is distinct from r.id)`,
    describe: (r) => `reservation ${r.id} is a live hold its seat does not record`,
  },
  {
    rule: "each date's stock (what the inventory read adds up) counts its seats and its sold seats",
    group: 'seats-match-payments',
    scope: 'concerts',
    sql: `select s.id, coalesce(st.places, 0) + coalesce(ch.places, 0) as places, coalesce(st.sold, 0) + coalesce(ch.sold, 0) as sold,
        coalesce(real.places, 0) as real_places, coalesce(real.sold, 0) as real_sold
      from schedules s
        left join schedule_stock st on st.schedule_id = s.id
        left join (select schedule_id, sum(places) as places, sum(sold) as sold from stock_changes group by 1) ch on ch.schedule_id = s.id
        left join (select schedule_id, count(*) as places, count(*) filter (where sold) as sold from seats group by 1) real
          on real.schedule_id = s.id
      where ${IN_CONCERTS('s.concert_id')}
        and (coalesce(st.places, 0) + coalesce(ch.places, 0) <> coalesce(real.places, 0)
          or coalesce(st.sold, 0) + coalesce(ch.sold, 0) <> coalesce(real.sold, 0))`,
    describe: (r) => `schedule ${r.id}: stock says ${r.places} places, ${r.sold} sold; the seats ${r.real_places}, ${r.real_sold}`,
  },
  {
    rule: "every balance equals the sum of its user's ledger",
    group: 'money',
    scope: 'users',
    sql: `select coalesce(b.user_id, l.user_id) as user_id, coalesce(b.balance, 0) as balance, coalesce(l.total, 0) as ledger
      from balances b full join (select user_id, sum(amount) as total from ledger group by user_id) l on l.user_id = b.user_id
      where coalesce(b.balance, 0) <> coalesce(l.total, 0) and ${OF_USERS('coalesce(b.user_id, l.user_id)')}`,
    describe: (r) => `${r.user_id}: balance ${r.balance}, ledger ${r.ledger}`,
  },
  {
    rule: 'every ledger entry has a known kind and its sign (charges and refunds add, payments take)',
    group: 'money',
    scope: 'users',
    sql: `select id, user_id, kind, amount from ledger
      where not coalesce(case kind when 'charge' then amount > 0 when 'refund' then amount >= 0 when 'payment' then amount <= 0 end, false)
        and ${OF_USERS('user_id')}`,
    describe: (r) => `ledger entry ${r.id} of ${r.user_id}: ${r.kind} of ${r.amount}`,
  },
  {
    rule: 'every payment has exactly one ledger entry, of minus its amount',
    group: 'money',
    scope: 'users',
    sql: `select p.id, p.user_id from payments p where ${OF_USERS('p.user_id')} and (select count(*) from ledger l
      where l.payment_id = p.id and l.kind = 'payment' and l.user_id = p.user_id and l.amount = -p.amount) <> 1`,
    describe: (r) => `payment ${r.id} of ${r.user_id} lacks its one ledger entry`,
  },
  {
    rule: 'a REFUNDED payment has exactly one refund entry, of plus its amount; a PAID one none',
    group: 'money',
    scope: 'users',
    sql: `select p.id, p.user_id, p.status from payments p where ${OF_USERS('p.user_id')} and (select count(*) from ledger l
      where l.payment_id = p.id and l.kind = 'refund' and l.user_id = p.user_id and l.amount = p.amount)
      <> (case when p.status = 'REFUNDED' then 1 else 0 end)
      or (p.status <> 'REFUNDED' and exists (select 1 from ledger l where l.payment_id = p.id and l.kind = 'refund'))`,
    describe: (r) => `payment ${r.id} of ${r.user_id} (${r.status}) has the wrong refund entries`,
  },
  {
    rule: 'every balance equals its charges minus its payments plus its refunds',
    group: 'money',
    scope: 'users',
    sql: `select u.user_id, coalesce(b.balance, 0) as balance, coalesce(c.total, 0) as charges, coalesce(p.paid, 0) as payments,
        coalesce(p.refunded, 0) as refunds
      from (select user_id from balances union select user_id from ledger union select user_id from payments) u
      left join balances b on b.user_id = u.user_id
      left join (select user_id, sum(amount) as total from ledger where kind = 'charge' group by 1) c on c.user_id = u.user_id
      left join (select user_id, sum(amount) as paid, sum(amount) filter (where status = 'REFUNDED') as refunded
        from payments group by 1) p on p.user_id = u.user_id
      where coalesce(b.balance, 0) <> coalesce(c.total, 0) - coalesce(p.paid, 0) + coalesce(p.refunded, 0) and ${OF_USERS('u.user_id')}`,
    describe: (r) => `${r.user_id}: balance ${r.balance}, charges ${r.charges} − payments ${r.payments} + refunds ${r.refunds}`,
  },
  {
    rule: "nobody's paid seats plus live holds of a concert exceed its maxTicketsPerUser",
    group: 'ticket-limits',
    scope: 'concerts',
    sql: `select r.user_id, r.concert_id, count(*)::int as tickets, c.max_tickets_per_user as max
      from reservations r join concerts c on c.id = r.concert_id
      where c.max_tickets_per_user is not null and ${IN_CONCERTS('r.concert_id')}
        and (r.status = 'PAID' or (r.status = 'HELD' and r.expires_at > now()))
      group by r.user_id, r.concert_id, c.max_tickets_per_user having count(*) > c.max_tickets_per_user`,
    describe: (r) => `${r.user_id} has ${r.tickets} tickets of concert ${r.concert_id}, more than its limit ${r.max}`,
  },
]

/** Rows listed per broken rule, at most. */
const LIMIT = 20

export interface InvariantResult {
  rule: string
  group: InvariantGroup
  /** One sentence per violating row (at most 20); empty when the rule holds. */
  violations: string[]
}

/** Narrows the check to the data of one run, so other data in the same database never interferes. */
export interface Scope {
  concertIds?: number[]
  userIds?: string[]
}

export async function checkInvariants(databaseUrl: string, scope: Scope = {}, invariants = INVARIANTS): Promise<InvariantResult[]> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const results: InvariantResult[] = []
    for (const invariant of invariants) {
      const param = invariant.scope === 'concerts' ? (scope.concertIds ?? null) : (scope.userIds ?? null)
      const rows = (await client.query(`select * from (${invariant.sql}) broken limit ${LIMIT}`, [param])).rows
      results.push({ rule: invariant.rule, group: invariant.group, violations: rows.map((row) => invariant.describe(row)) })
    }
    return results
  } finally {
    await client.end()
  }
}

/** One line per broken rule: the rule and its violations. */
export function problems(results: InvariantResult[]): string[] {
  return results.filter((r) => r.violations.length > 0).map((r) => `${r.rule}: ${r.violations.join('; ')}`)
}

/** Throws, listing every violation, unless all invariants hold. */
export async function assertInvariants(databaseUrl: string): Promise<void> {
  const broken = problems(await checkInvariants(databaseUrl))
  if (broken.length > 0) throw new Error(`invariants broken:\n${broken.join('\n')}`)
}

export interface Books {
  /** Human-readable violations; empty when the books are consistent. */
  problems: string[]
  paidReservations: number
  soldSeats: number
  payments: number
}

/** The invariants, and the counts a fault test compares with what it did. */
export async function checkBooks(databaseUrl: string): Promise<Books> {
  const found = problems(await checkInvariants(databaseUrl))
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const counts = (
      await client.query(`select (select count(*) from reservations where status = 'PAID')::int as paid,
        (select count(*) from seats where sold)::int as sold, (select count(*) from payments)::int as payments`)
    ).rows[0]
    return { problems: found, paidReservations: counts.paid, soldSeats: counts.sold, payments: counts.payments }
  } finally {
    await client.end()
  }
}
