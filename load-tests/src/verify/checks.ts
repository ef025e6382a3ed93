/**
 * The invariant check of a rush, through the API and the database. Each check returns the violations
 * it found (empty = holds). Users are scoped by the run's user ids and concerts, so other data in the
 * same database never interferes.
 */
import { Headers as H, MAX_WHOLE_MAP_PLACES } from '@rushgate/shared'
import { checkInvariants, type InvariantGroup, query } from '@rushgate/testkit'
import { Api, HttpClient, type Seat, type SectionsSummary } from '../client.ts'
import type { RunRecord } from '../rush/record.ts'
import { lastOfEach } from '../rush/sampler.ts'
import { inParallel } from '../setup.ts'

export interface CheckResult {
  name: string
  violations: string[]
  /** what was looked at, for the report */
  checked: string
}

export async function verifyRun(run: RunRecord, log: (line: string) => void = () => {}): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  results.push(checkMaxActive(run))
  results.push(checkAdmittedOnce(run))
  log('checking balances, reservations and seats through the core API')
  results.push(...(await checkThroughApi(run)))
  if (run.stack.databaseUrl) {
    log('checking the database')
    results.push(...(await checkDatabase(run, run.stack.databaseUrl)))
  } else {
    results.push({ name: 'database', violations: [], checked: 'skipped: DATABASE_URL unknown' })
  }
  return results
}

/** Never more active users than maxActive, in any sample of the admin queue endpoint. */
function checkMaxActive(run: RunRecord): CheckResult {
  const violations = run.samples
    .filter((s) => s.maxActive !== null && s.active > s.maxActive)
    .slice(0, 20)
    .map((s) => `concert ${s.concertId} at ${(s.t / 1000).toFixed(1)} s: ${s.active} active > maxActive ${s.maxActive}`)
  const peak = Math.max(0, ...run.samples.map((s) => s.active))
  return {
    name: 'never more active than maxActive',
    violations,
    checked: `${run.samples.length} samples, peak ${peak} active, maxActive ${run.maxActive ?? 'none'}`,
  }
}

/**
 * Nobody admitted twice: no user saw WAITING again after ACTIVE (or its position go up), and the
 * gateway's `admittedTotal` equals the number of turns seen active (a user who refunded and lined
 * up again has two turns), give or take the waits a poll found ended: a polling user's turn can be
 * admitted and end (sold out) between two polls, counted by the line and never seen by the user.
 * Users wait on event streams, which see every turn; they poll only when a stream cannot be had
 * (a Redis failover), so outside such runs the two must be equal.
 */
function checkAdmittedOnce(run: RunRecord): CheckResult {
  const violations = run.users.flatMap((u) => u.anomalies.map((a) => `${u.id}: ${a}`)).slice(0, 20)
  const seenActive = run.users.reduce((n, u) => n + (u.turns ?? (u.firstActiveEnd !== null ? 1 : 0)), 0)
  const last = lastOfEach(run.samples)
  const admittedTotal = last.reduce((n, s) => n + s.admittedTotal, 0)
  const unseen = run.users.reduce((n, u) => n + (u.endsUnseen ?? 0), 0)
  const allObserved = run.users.every((u) => u.outcome !== 'aborted' && u.outcome !== 'pending')
  if (last.length === run.concertIds.length && allObserved && (admittedTotal < seenActive || admittedTotal > seenActive + unseen)) {
    violations.push(`admittedTotal ${admittedTotal} outside ${seenActive} turns seen active + up to ${unseen} ended between polls`)
  }
  return {
    name: 'nobody admitted twice',
    violations,
    checked: `${seenActive} turns seen active, ${unseen} waits a poll found ended, admittedTotal ${last.length > 0 ? admittedTotal : '?'}`,
  }
}

/** Through the core's API (internal credential): balances, each user's reservations, the seat maps. */
async function checkThroughApi(run: RunRecord): Promise<CheckResult[]> {
  const http = new HttpClient(run.stack.coreUrl, 32, { [H.internalToken]: run.stack.internalToken })
  const api = new Api(http)
  const balance: string[] = []
  const paidSeats = new Map<string, string>()
  const soldTwice: string[] = []
  const refunds: string[] = []
  const limit: string[] = []
  let paidReservations = 0
  let refundsSeen = 0
  try {
    await inParallel(run.users, 32, async (u) => {
      const [b, r, p] = await Promise.all([api.balance(u.id), api.reservations(u.id), api.payments(u.id)])
      if (b.status !== 200 || r.status !== 200 || p.status !== 200) {
        balance.push(`${u.id}: balance ${b.status}, reservations ${r.status}, payments ${p.status}`)
        return
      }
      const refunded = u.refunded ?? 0
      const expected = u.charged - u.paid + refunded
      if (b.body.balance !== expected) {
        balance.push(`${u.id}: balance ${b.body.balance}, charged ${u.charged} − paid ${u.paid} + refunded ${refunded} = ${expected}`)
      }
      const paid = r.body.filter((x) => x.status === 'PAID')
      for (const res of paid) {
        paidReservations++
        const seat = `${res.scheduleId}/${res.seatNumber}`
        const owner = paidSeats.get(seat)
        if (owner) soldTwice.push(`seat ${seat} paid by ${owner} and ${u.id}`)
        paidSeats.set(seat, u.id)
      }
      if (run.ticketLimit != null && paid.length > run.ticketLimit) limit.push(`${u.id}: ${paid.length} seats paid, limit ${run.ticketLimit}`)
      // Every refund the client was answered is REFUNDED in the history, with its reservations.
      const refundedIds = new Set(u.refundedPaymentIds ?? [])
      for (const payment of p.body) {
        const shownRefunded = payment.status === 'REFUNDED'
        if (shownRefunded !== refundedIds.has(payment.id)) refunds.push(`${u.id}: payment ${payment.id} is ${payment.status}, the client was told otherwise`)
        if (shownRefunded) {
          refundsSeen++
          if (!payment.refundedAt) refunds.push(`${u.id}: payment ${payment.id} REFUNDED without refundedAt`)
          const notRefunded = r.body.filter((x) => payment.reservationIds.includes(x.id) && x.status !== 'REFUNDED')
          if (notRefunded.length > 0) refunds.push(`${u.id}: payment ${payment.id} refunded, reservation ${notRefunded[0]!.id} is ${notRefunded[0]!.status}`)
        }
      }
    })
    // Seat maps: every SOLD seat is one of the run's paid reservations, and the counts agree.
    let sold = 0
    let paidListed = 0
    const unlisted: string[] = []
    const seatMap: string[] = []
    for (const concertId of run.concertIds) {
      const user = run.users[0]?.id ?? 'verifier'
      const schedules = await api.http.call<{ id: number }[]>('GET', `/api/concerts/${concertId}/schedules`, { [H.userId]: user })
      if (schedules.status !== 200) {
        seatMap.push(`schedules of concert ${concertId}: ${schedules.status}`)
        continue
      }
      for (const s of schedules.body) {
        const maps = await seatMapsOf(api, user, concertId, s.id)
        if (typeof maps === 'string') {
          seatMap.push(maps)
          continue
        }
        unlisted.push(...maps.unlisted)
        for (const seat of maps.seats) {
          if (paidSeats.has(`${s.id}/${seat.seatNumber}`)) paidListed++
          if (seat.status !== 'SOLD') continue
          sold++
          if (!paidSeats.has(`${s.id}/${seat.seatNumber}`)) seatMap.push(`seat ${s.id}/${seat.seatNumber} SOLD without a paid reservation`)
        }
      }
    }
    // Standing floors too large for a map are left to the database half; the rest must match.
    const paidCompared = unlisted.length === 0 ? paidReservations : paidListed
    if (sold !== paidCompared) seatMap.push(`${sold} seats SOLD ≠ ${paidCompared} PAID reservations`)
    const tickets = run.users.reduce((n, u) => n + (u.seats ?? (u.outcome === 'ticket' ? 1 : 0)), 0)
    if (tickets !== paidReservations) seatMap.push(`${tickets} seats bought by the users ≠ ${paidReservations} PAID reservations`)
    const refundsMade = run.users.reduce((n, u) => n + (u.refundedPaymentIds?.length ?? 0), 0)
    return [
      { name: 'balance = charges − payments + refunds (API)', violations: balance.slice(0, 20), checked: `${run.users.length} users` },
      { name: 'no seat sold twice (API)', violations: soldTwice.slice(0, 20), checked: `${paidReservations} paid reservations` },
      {
        name: 'sold seats = paid reservations (API)',
        violations: seatMap.slice(0, 20),
        checked: `${sold} seats SOLD${unlisted.length > 0 ? ` (standing sections ${unlisted.join(', ')}: too large for a map, checked in the database)` : ''}`,
      },
      {
        name: 'refunds are whole and shown (API)',
        violations: refunds.slice(0, 20),
        checked: `${refundsSeen} refunded payments in the histories, ${refundsMade} refunds answered`,
      },
      { name: 'ticket limit per user (API)', violations: limit.slice(0, 20), checked: `limit ${run.ticketLimit ?? 'none'}` },
    ]
  } finally {
    await http.close()
  }
}

/**
 * The places of a date: its whole map, or for a date too large for one (a seating plan) each
 * section's map; standing sections too large for a map are named in `unlisted`. A string: what failed.
 */
async function seatMapsOf(api: Api, user: string, concertId: number, scheduleId: number): Promise<{ seats: Seat[]; unlisted: string[] } | string> {
  const whole = await api.seats(user, concertId, scheduleId, '')
  if (whole.status === 200) return { seats: whole.body, unlisted: [] }
  if (whole.status !== 400) return `seats of schedule ${scheduleId}: ${whole.status}`
  const summary = await api.http.call<SectionsSummary>('GET', `/api/concerts/${concertId}/schedules/${scheduleId}/sections`, { [H.userId]: user })
  if (summary.status !== 200) return `sections of schedule ${scheduleId}: ${summary.status}`
  const seats: Seat[] = []
  const unlisted: string[] = []
  for (const section of summary.body.sections) {
    if (section.kind === 'STANDING' && section.total > MAX_WHOLE_MAP_PLACES) {
      unlisted.push(section.code)
      continue
    }
    const map = await api.sectionSeats(user, concertId, scheduleId, section.code, '')
    if (map.status !== 200) return `seats of section ${section.code} of schedule ${scheduleId}: ${map.status}`
    seats.push(...map.body)
  }
  return { seats, unlisted }
}

/** The names the report gives the database's rules, by group: the same facts the API half checks. */
const GROUP_NAMES: Record<InvariantGroup, string> = {
  'sold-once': 'no seat sold twice (database)',
  'seats-match-payments': 'sold seats = paid reservations (database)',
  money: 'balance = charges − payments + refunds (database)',
  'ticket-limits': 'ticket limit per user (database)',
}

/**
 * The same facts, read from the core's tables directly by the test kit's invariant checker (narrowed
 * to the run's concerts and users); also what the API cannot show, and each user's charges in the
 * ledger against what the client charged.
 */
async function checkDatabase(run: RunRecord, databaseUrl: string): Promise<CheckResult[]> {
  const users = run.users.map((u) => u.id)
  const results = await checkInvariants(databaseUrl, { concertIds: run.concertIds, userIds: users })
  const byUser = new Map(run.users.map((u) => [u.id, u]))
  const charged = await query(
    databaseUrl,
    `select user_id, sum(amount)::bigint as sum from ledger where kind = 'charge' and user_id = any($1) group by 1`,
    [users],
  )
  const chargeViolations = charged
    .filter((row) => Number(row.sum) !== byUser.get(row.user_id)?.charged)
    .map((row) => `${row.user_id}: ${row.sum} charged in the ledger, ${byUser.get(row.user_id)?.charged} by the client`)
  const [{ n: sold }] = await query<{ n: number }>(
    databaseUrl,
    `select count(*)::int as n from seats s join schedules sc on sc.id = s.schedule_id where sc.concert_id = any($1) and s.sold`,
    [run.concertIds],
  ) as [{ n: number }]
  const violationsOf = (group: InvariantGroup) => results.filter((r) => r.group === group).flatMap((r) => r.violations)
  return [
    { name: GROUP_NAMES['sold-once'], violations: violationsOf('sold-once'), checked: `${sold} seats sold` },
    {
      name: GROUP_NAMES['seats-match-payments'],
      violations: violationsOf('seats-match-payments'),
      checked: 'every seat of the run against its PAID reservation, every payment against its reservations and prices, every refund whole',
    },
    {
      name: GROUP_NAMES.money,
      violations: [...violationsOf('money'), ...chargeViolations.slice(0, 20)],
      checked: `${users.length} users: balance vs ledger vs charges − payments + refunds, refunds in the ledger, and the client's charges`,
    },
    {
      name: GROUP_NAMES['ticket-limits'],
      violations: violationsOf('ticket-limits'),
      checked: 'paid seats and live holds per user and concert against maxTicketsPerUser',
    },
  ]
}
