/** The Markdown summary of a rush. */
import { describeMachine, fmt, type Machine, table } from '../report.ts'
import type { CheckResult } from '../verify/checks.ts'
import type { FirstTry } from './fan.ts'
import type { PlanSize } from './plan.ts'
import type { PlanReport, RushSummary } from './run.ts'

export function rushMarkdown(s: RushSummary, m: Machine, chartFile: string, loadAvg?: { start: number; end: number }): string {
  const o = s.options
  const errors = Object.entries(s.errors).sort((a, b) => b[1] - a[1])
  return [
    o.plan
      ? `# Rush ${s.runId}: ${fmt.int(o.users)} fans, ${o.concerts} concert(s) × a plan of ${fmt.int(s.seatsTotal / o.concerts)} places`
      : `# Rush ${s.runId}: ${fmt.int(o.users)} users, ${o.concerts} concert(s) × ${fmt.int(o.seats)} seats`,
    '',
    `Machine: ${describeMachine(m)}.` +
      (loadAvg ? ` 1-minute load average ${loadAvg.start} at the start, ${loadAvg.end} at the end (other work included).` : ''),
    `Admission ${o.admitBatch} per tick every ${o.admitIntervalMs} ms, maxActive ${o.maxActive ?? 'none'},` +
      ` ${o.prequeue ? 'pre-queue (line paused while everybody joins)' : 'line open from the start'}, ${o.connections} connections;` +
      ` waiting users ${o.listen ? 'listen to their event streams (HTTP/2)' : 'poll as pollAfterMs says'}.`,
    o.plan
      ? `Ticket limit ${o.ticketLimit ?? 'none'} per user; ${planLine(o.plan)}`
      : `Ticket limit ${o.ticketLimit ?? 'none'} per user; ` +
      `${o.greedyEvery > 0 && o.ticketLimit !== null ? `every ${o.greedyEvery}th user tries for ${o.ticketLimit + 1} seats` : 'nobody tries for more'}; ` +
      `${o.refundEvery > 0 ? `every ${o.refundEvery}th refunds at once and lines up again for one seat` : 'nobody refunds'}.`,
    '',
    table(
      ['figure', 'value'],
      [
        ['elapsed', `${s.elapsedSeconds} s`],
        ['seats sold', `${fmt.int(s.seatsSold)} of ${fmt.int(s.seatsTotal)}`],
        ['outcomes', Object.entries(s.outcomes).map(([k, v]) => `${k} ${fmt.int(v)}`).join(', ')],
        ['tickets per second', s.ticketsPerSecond],
        ['users served per second (ticket or sold out)', s.usersDonePerSecond],
        ['time to admission p50 / p90 / p99 / max', spread(s.timeToAdmissionMs)],
        ['time to ticket p50 / p90 / p99 / max', spread(s.timeToTicketMs)],
        ['fairness inversions', `${s.fairness.inversions} (arrival order by ${s.fairness.arrivalOrder})`],
        ['peak active (admin samples)', s.peakActive],
        ['status polls', fmt.int(s.polls)],
        [o.plan ? 'holds refused (409 SEAT_UNAVAILABLE or NOT_ENOUGH_SEATS, tried again)' : 'hold conflicts (409 SEAT_UNAVAILABLE, retried)', fmt.int(s.holdConflicts)],
        ['ticket limit reached (409 TICKET_LIMIT_REACHED)', fmt.int(s.limitHits)],
        ['refunds (seats back on sale)', fmt.int(s.refunds)],
        ['told SOLD_OUT by the line', fmt.int(s.soldOut.users)],
        ['… learnt it after the last seat p50 / p90 / p99 / max', `${spread(s.soldOut.afterLastSeatMs)} (max ${s.soldOut.maxTicks} ticks)`],
        ['the admin view first said SOLD_OUT, after the last seat (sampled)', s.soldOut.lineSaidAfterMs === null ? 'never' : `${fmt.int(s.soldOut.lineSaidAfterMs)} ms`],
        ['admissions to an empty seat map', fmt.int(s.emptyMapAdmissions)],
        ['holds as users saw them p50 / p90 / p99 / max', spread(s.holdMs)],
        ['503 UPSTREAM_UNAVAILABLE answers (a forward to the core failed or timed out)', fmt.int(s.unavailable)],
        ['state events heard on event streams', fmt.int(s.streamEvents)],
        ['invariant violations', s.violations],
      ],
    ),
    '',
    'Times are counted from when the user joined, or from when sales opened for those who joined the pre-queue.',
    '',
    ...(s.plan ? planSection(s.plan) : []),
    `![waiting, active and admissions over time](${chartFile})`,
    '',
    '## Invariants',
    '',
    checksTable(s.checks),
    '',
    '## Errors by step and code',
    '',
    errors.length === 0 ? 'none' : table(['step and code', 'count'], errors.map(([k, v]) => [k, v])),
    '',
  ].join('\n')
}

export function checksTable(checks: CheckResult[]): string {
  return table(
    ['check', 'result', 'looked at'],
    checks.map((c) => [c.name, c.violations.length === 0 ? 'ok' : `**${c.violations.length} violation(s)**: ${c.violations.slice(0, 3).join('; ')}`, c.checked]),
  )
}

function planLine(p: PlanSize): string {
  return (
    `two standing floors of ${fmt.int(p.floor)} (VIP) and ${p.sections} seated sections (R, S) of ${p.rows} rows of ${p.seatsPerRow}; ` +
    'fans in groups of 1–4, preferring a grade (then better ones), asking for the best available or picking from a section\'s map.'
  )
}

function planSection(p: PlanReport): string[] {
  const rate = (f: FirstTry) => (f.rate === null ? 'nobody' : `${f.rate}% (${fmt.int(f.succeeded)} of ${fmt.int(f.fans)})`)
  const h = p.holdsPerTicket
  const l = p.leftover
  return [
    '## Group holds on the plan',
    '',
    table(
      ['figure', 'value'],
      [
        ['fans by group size', Object.entries(p.groups).map(([k, v]) => `${k}: ${fmt.int(v)}`).join(', ')],
        ['first hold held the group: best available', rate(p.firstTry.best)],
        ['first hold held the group: picked from the map', rate(p.firstTry.pick)],
        ['first hold held the group: standing by quantity', rate(p.firstTry.standing)],
        ['hold requests a ticket took mean / p50 / p90 / max', `${h.mean} / ${h.p50} / ${h.p90} / ${h.max}`],
        ['free seats at the end (seated)', fmt.int(l.freeSeats)],
        ['single seats stranded (no free neighbour in the row)', fmt.int(l.stranded)],
        ['free standing places at the end', fmt.int(l.freeStanding)],
      ],
    ),
    '',
    'A ticket is a group\'s places, held in one request and paid together. A first hold counts as failed when it was refused for any reason (a seat taken since the map was read, a grade full since the summary was read).',
    '',
  ]
}

function spread(v: { p50: number; p90: number; p99: number; max: number }): string {
  return `${fmt.int(v.p50)} / ${fmt.int(v.p90)} / ${fmt.int(v.p99)} / ${fmt.int(v.max)} ms`
}
