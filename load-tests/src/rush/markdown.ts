/** The Markdown summary of a rush. */
import { describeMachine, fmt, type Machine, table } from '../report.ts'
import type { CheckResult } from '../verify/checks.ts'
import type { RushSummary } from './run.ts'

export function rushMarkdown(s: RushSummary, m: Machine, chartFile: string, loadAvg?: { start: number; end: number }): string {
  const o = s.options
  const errors = Object.entries(s.errors).sort((a, b) => b[1] - a[1])
  return [
    `# Rush ${s.runId}: ${fmt.int(o.users)} users, ${o.concerts} concert(s) × ${fmt.int(o.seats)} seats`,
    '',
    `Machine: ${describeMachine(m)}.` +
      (loadAvg ? ` 1-minute load average ${loadAvg.start} at the start, ${loadAvg.end} at the end (other work included).` : ''),
    `Admission ${o.admitBatch} per tick every ${o.admitIntervalMs} ms, maxActive ${o.maxActive ?? 'none'},` +
      ` ${o.prequeue ? 'pre-queue (line paused while everybody joins)' : 'line open from the start'}, ${o.connections} connections;` +
      ` waiting users ${o.listen ? 'listen to their event streams (HTTP/2)' : 'poll as pollAfterMs says'}.`,
    `Ticket limit ${o.ticketLimit ?? 'none'} per user; ` +
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
        ['hold conflicts (409 SEAT_UNAVAILABLE, retried)', fmt.int(s.holdConflicts)],
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

function spread(v: { p50: number; p90: number; p99: number; max: number }): string {
  return `${fmt.int(v.p50)} / ${fmt.int(v.p90)} / ${fmt.int(v.p99)} / ${fmt.int(v.max)} ms`
}
