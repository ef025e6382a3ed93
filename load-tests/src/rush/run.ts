/**
 * The rush: creates a concert, sets its line up, lets every virtual user run its journey at once,
 * samples the admin endpoint meanwhile, then reports and checks the invariants.
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Api, type CreatedConcert, HttpClient, expectStatus } from '../client.ts'
import { createConcert, TICKET_PRICE } from '../setup.ts'
import type { Stack } from '../stack.ts'
import { type CheckResult, verifyRun } from '../verify/checks.ts'
import { type Fairness, fairness } from './fairness.ts'
import type { RunRecord } from './record.ts'
import { startSampler } from './sampler.ts'
import { type FirstTry, firstTries } from './fan.ts'
import { type FanMode, fanOf, type PlanSize, placesOf, venuePlan } from './plan.ts'
import { type Leftover, leftover } from './stranded.ts'
import { StreamPool } from './streams.ts'
import { newRecord, runUser, type UserPlan, type UserRecord } from './user.ts'
import { percentile } from '../report.ts'

export interface RushOptions {
  users: number
  concerts: number
  /** seats per concert */
  seats: number
  admitBatch: number
  /** informative: the tick interval is the gateway's ADMIT_INTERVAL_MS, set when it is started */
  admitIntervalMs: number
  maxActive: number | null
  /** seconds after which unfinished users stop */
  duration: number
  /** pause the line while everybody joins, then open it: arrival order is then exact */
  prequeue: boolean
  connections: number
  progress: boolean
  /** the concerts' maxTicketsPerUser; null for none */
  ticketLimit: number | null
  /** every n-th user tries for one seat more than the ticket limit (0: nobody) */
  greedyEvery: number
  /** every n-th user refunds at once and lines up again for one seat (0: nobody) */
  refundEvery: number
  /** waiting users listen to their token's event stream (over HTTP/2), as the page does; false: they poll */
  listen: boolean
  /** adaptive admission with this target (admitBatch is then its admitPerTick); absent: a fixed admitPerTick */
  adaptive?: { targetLatencyMs: number }
  /**
   * A rush on a seating plan of this size (plan.ts): each concert is one date of the plan, and users
   * are fans in groups of 1–4 (`seats`, `greedyEvery` and `refundEvery` are then not used).
   */
  plan?: PlanSize
}

/** What the caller may do at moments of the rush (change the core's capacity, say). */
export interface RushHooks {
  /** The line has just opened; `now()` is ms since the rush began; the rush's concerts. */
  opened?(now: () => number, concertIds: number[]): void
}

export interface RushSummary {
  runId: string
  options: RushOptions
  elapsedSeconds: number
  outcomes: Record<string, number>
  seatsTotal: number
  seatsSold: number
  ticketsPerSecond: number
  usersDonePerSecond: number
  timeToAdmissionMs: { p50: number; p90: number; p99: number; max: number }
  timeToTicketMs: { p50: number; p90: number; p99: number; max: number }
  fairness: Fairness
  errors: Record<string, number>
  peakActive: number
  polls: number
  holdConflicts: number
  /** 409 TICKET_LIMIT_REACHED answers */
  limitHits: number
  refunds: number
  /**
   * Users told by the line that the concert sold out (410/`end`/409 SOLD_OUT), and how long after the
   * sale of the last seat before it they learnt it (ms, and in ticks).
   */
  soldOut: {
    users: number
    afterLastSeatMs: { p50: number; p90: number; p99: number; max: number }
    maxTicks: number
    /** When the admin sampler first saw the line SOLD_OUT, after the last seat's sale (null: never). */
    lineSaidAfterMs: number | null
  }
  /** Turns admitted to dates that had nothing left. */
  emptyMapAdmissions: number
  /** How long holds took, as the users saw them (every attempt, refused ones included). */
  holdMs: { p50: number; p90: number; p99: number; max: number }
  /** Answers 503 UPSTREAM_UNAVAILABLE from the gateway (a forward to the core that failed or timed out), retried ones included. */
  unavailable: number
  streamEvents: number
  checks: CheckResult[]
  violations: number
  /** A rush on a seating plan: how the fans' group holds went, and what was left. */
  plan?: PlanReport
}

export interface PlanReport {
  /** Fans whose first hold request held their whole group, by how they asked. */
  firstTry: Record<FanMode, FirstTry>
  /** Hold requests each ticket (a group's places, paid) took. */
  holdsPerTicket: { mean: number; p50: number; p90: number; max: number }
  /** Fans by group size. */
  groups: Record<string, number>
  /** Free places at the end, and the single seats among them stranded with no free neighbour. */
  leftover: Leftover
}

export async function runRush(
  stack: Stack,
  options: RushOptions,
  log: (line: string) => void,
  hooks: RushHooks = {},
): Promise<{ record: RunRecord; summary: RushSummary }> {
  const runId = randomBytes(4).toString('hex')
  const http = new HttpClient(stack.gatewayUrl, options.connections)
  const api = new Api(http, stack.adminToken)
  const streams = options.listen ? new StreamPool(stack.gatewayUrl) : undefined
  const t0 = performance.now()
  const now = () => performance.now() - t0
  const errors: Record<string, number> = {}
  const countError = (step: string, code: string) => {
    const key = `${step} ${code}`
    errors[key] = (errors[key] ?? 0) + 1
  }

  try {
    const concerts: CreatedConcert[] = []
    for (let c = 0; c < options.concerts; c++) {
      const title = `Rush ${runId} #${c + 1}`
      const concert = options.plan
        ? expectStatus(await api.createConcert(venuePlan(title, options.plan, TICKET_PRICE)), 201, 'create the venue')
        : await createConcert(api, title, options.seats)
      expectStatus(
        await api.patchQueue(concert.id, {
          admitPerTick: options.admitBatch,
          maxActive: options.maxActive,
          paused: options.prequeue,
          ...(options.adaptive ? { adaptive: true, targetLatencyMs: options.adaptive.targetLatencyMs } : {}),
        }),
        200,
        'queue settings',
      )
      if (options.ticketLimit !== null) {
        expectStatus(await api.patchConcert(concert.id, { maxTicketsPerUser: options.ticketLimit }), 200, 'ticket limit')
      }
      concerts.push(concert)
    }
    const users = Array.from({ length: options.users }, (_, i) =>
      newRecord(`r${runId}-${i}`, concerts[i % concerts.length]!.id, planOf(i, options)),
    )
    const seatsEach = options.plan ? placesOf(options.plan) : options.seats
    log(`${options.users} users, ${options.concerts} concert(s) × ${seatsEach} places, ${options.admitBatch} per tick`)

    let openLine!: () => void
    const lineOpen = new Promise<void>((done) => {
      openLine = done
    })
    const deadline = options.duration * 1000
    const aborted = () => now() > deadline
    const sampler = startSampler(
      api,
      concerts.map((c) => c.id),
      now,
    )
    const tasks = users.map((rec) =>
      runUser(rec, { api, concertId: rec.concertId, price: TICKET_PRICE, now, lineOpen, aborted, countError, streams }),
    )
    const progress = startProgress(users, now, options.progress)

    if (options.prequeue) {
      // Everybody joins (or fails to) while the line is paused, then sales open.
      while (users.some((u) => u.outcome === 'pending' && u.joinEnd === 0) && !aborted()) await delay(100)
      log(`everybody joined at ${(now() / 1000).toFixed(1)} s; opening the line`)
      for (const concert of concerts) expectStatus(await openLineOf(api, concert.id), 200, 'open line')
    }
    const lineOpenAt = now()
    hooks.opened?.(now, concerts.map((c) => c.id))
    openLine()
    await Promise.all(tasks)
    await delay(600) // one more sample after the last user
    await sampler.stop()
    progress.stop()
    const elapsed = now()

    const record: RunRecord = {
      runId,
      startedAt: new Date(Date.now() - elapsed).toISOString(),
      stack: {
        gatewayUrl: stack.gatewayUrl,
        coreUrl: stack.coreUrl,
        databaseUrl: stack.databaseUrl,
        adminToken: stack.adminToken,
        internalToken: stack.internalToken,
        stillRunning: stack.external,
      },
      concertIds: concerts.map((c) => c.id),
      maxActive: options.maxActive,
      ticketLimit: options.ticketLimit,
      lineOpenAt,
      users,
      samples: sampler.samples,
    }
    let planReport: PlanReport | undefined
    if (options.plan) {
      log('counting the places left')
      const left: Leftover = { freeSeats: 0, stranded: 0, freeStanding: 0 }
      for (const c of concerts) {
        const l = await leftover(stack, c.id, users[0]?.id ?? 'viewer')
        left.freeSeats += l.freeSeats
        left.stranded += l.stranded
        left.freeStanding += l.freeStanding
      }
      planReport = planReportOf(users, left)
    }
    log('checking invariants')
    const checks = await verifyRun(record, log)
    const summary = summarize(record, options, elapsed, errors, checks, concerts.length * seatsEach)
    if (planReport) summary.plan = planReport
    return { record, summary }
  } finally {
    streams?.close()
    await http.close()
  }
}

function summarize(
  record: RunRecord,
  options: RushOptions,
  elapsedMs: number,
  errors: Record<string, number>,
  checks: CheckResult[],
  seatsTotal: number,
): RushSummary {
  const users = record.users
  const outcomes: Record<string, number> = {}
  for (const u of users) outcomes[u.outcome] = (outcomes[u.outcome] ?? 0) + 1
  // Waiting starts when the user joined, or when sales opened for those who joined the pre-queue.
  const from = (u: UserRecord) => Math.max(u.joinStart, record.lineOpenAt)
  const admission = users.filter((u) => u.firstActiveEnd !== null).map((u) => u.firstActiveEnd! - from(u))
  const tickets = users.filter((u) => u.ticketAt !== null)
  const toTicket = tickets.map((u) => u.ticketAt! - from(u))
  const firstJoin = Math.min(...users.map(from))
  const lastTicket = Math.max(0, ...tickets.map((u) => u.ticketAt!))
  const lastDone = Math.max(0, ...users.map((u) => u.doneAt ?? 0))
  const spread = (values: number[]) => ({
    p50: Math.round(percentile(values, 50)),
    p90: Math.round(percentile(values, 90)),
    p99: Math.round(percentile(values, 99)),
    max: Math.round(Math.max(0, ...values)),
  })
  return {
    runId: record.runId,
    options,
    elapsedSeconds: Math.round(elapsedMs / 100) / 10,
    outcomes,
    seatsTotal,
    seatsSold: users.reduce((n, u) => n + u.seats, 0),
    // Seats, not users: a greedy user buys more than one.
    ticketsPerSecond: round1(users.reduce((n, u) => n + u.seats, 0) / Math.max(0.001, (lastTicket - firstJoin) / 1000)),
    usersDonePerSecond: round1(users.length / Math.max(0.001, (lastDone - firstJoin) / 1000)),
    timeToAdmissionMs: spread(admission),
    timeToTicketMs: spread(toTicket),
    fairness: fairness(users, options.prequeue),
    errors,
    peakActive: Math.max(0, ...record.samples.map((s) => s.active)),
    polls: users.reduce((n, u) => n + u.polls, 0),
    holdConflicts: users.reduce((n, u) => n + u.holdConflicts, 0),
    limitHits: users.reduce((n, u) => n + u.limitHits, 0),
    refunds: users.reduce((n, u) => n + u.refundedPaymentIds.length, 0),
    soldOut: soldOutLearning(users, options.admitIntervalMs, record.samples),
    emptyMapAdmissions: users.reduce((n, u) => n + u.emptyMaps, 0),
    holdMs: spread(users.flatMap((u) => u.holdMs)),
    unavailable: Object.entries(errors).reduce((n, [k, v]) => n + (k.endsWith(' UPSTREAM_UNAVAILABLE') ? v : 0), 0),
    streamEvents: users.reduce((n, u) => n + u.streamEvents, 0),
    checks,
    violations: checks.reduce((n, c) => n + c.violations.length, 0),
  }
}

/**
 * For each user told that the concert sold out: the time since the last sale before it (the sale
 * that left nothing, as far as the users saw).
 */
function soldOutLearning(users: readonly UserRecord[], tickMs: number, samples: RunRecord['samples']): RushSummary['soldOut'] {
  const sales = users.flatMap((u) => (u.ticketAt === null ? [] : [u.ticketAt])).sort((a, b) => a - b)
  const said = samples.find((s) => s.state === 'SOLD_OUT')?.t ?? null
  const before = said === null ? [] : sales.filter((t) => t <= said)
  const delays: number[] = []
  for (const u of users) {
    if (u.soldOutAt === null) continue
    let lo = 0
    let hi = sales.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (sales[mid]! <= u.soldOutAt) lo = mid + 1
      else hi = mid
    }
    if (lo > 0) delays.push(u.soldOutAt - sales[lo - 1]!)
  }
  const max = Math.round(Math.max(0, ...delays))
  return {
    users: delays.length,
    afterLastSeatMs: {
      p50: Math.round(percentile(delays, 50)),
      p90: Math.round(percentile(delays, 90)),
      p99: Math.round(percentile(delays, 99)),
      max,
    },
    maxTicks: Math.round((max / tickMs) * 10) / 10,
    lineSaidAfterMs: said === null || before.length === 0 ? null : Math.round(said - before[before.length - 1]!),
  }
}

function planReportOf(users: readonly UserRecord[], left: Leftover): PlanReport {
  const took = users.filter((u) => u.ticketAt !== null).map((u) => u.holdRequests)
  const groups: Record<string, number> = {}
  for (const u of users) groups[String(u.plan.wants)] = (groups[String(u.plan.wants)] ?? 0) + 1
  return {
    firstTry: firstTries(users),
    holdsPerTicket: {
      mean: Math.round((took.reduce((a, b) => a + b, 0) / Math.max(1, took.length)) * 100) / 100,
      p50: percentile(took, 50),
      p90: percentile(took, 90),
      max: Math.max(0, ...took),
    },
    groups,
    leftover: left,
  }
}

/**
 * Who does what: on a seating plan, fan `i` (plan.ts). Otherwise: every `greedyEvery`-th user tries for one seat more than the limit, every
 * `refundEvery`-th (offset, so the two differ) refunds and lines up again; the rest want one seat.
 */
function planOf(i: number, o: RushOptions): UserPlan {
  if (o.plan) {
    const fan = fanOf(i)
    return { wants: fan.group, refunds: false, fan }
  }
  const greedy = o.ticketLimit !== null && o.greedyEvery > 0 && i % o.greedyEvery === 0
  const refunds = !greedy && o.refundEvery > 0 && i % o.refundEvery === 1
  return { wants: greedy ? o.ticketLimit! + 1 : 1, refunds }
}

const round1 = (v: number) => Math.round(v * 10) / 10
const delay = (ms: number) => new Promise((done) => setTimeout(done, ms))

/** A progress bar on stderr: redrawn in place on a terminal, one line every 5 s otherwise. */
function startProgress(users: readonly UserRecord[], now: () => number, enabled: boolean) {
  const tty = process.stderr.isTTY
  const draw = () => {
    let joined = 0
    let active = 0
    let done = 0
    let tickets = 0
    for (const u of users) {
      if (u.joinEnd > 0) joined++
      if (u.firstActiveEnd !== null) active++
      if (u.doneAt !== null) done++
      if (u.ticketAt !== null) tickets++
    }
    const width = 30
    const filled = Math.round((done / users.length) * width)
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
    const line = `${bar} ${(now() / 1000).toFixed(0)}s joined ${joined} admitted ${active} tickets ${tickets} done ${done}/${users.length}`
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
  }
  const timer = enabled ? setInterval(draw, tty ? 250 : 5000) : undefined
  return {
    stop() {
      if (!timer) return
      clearInterval(timer)
      draw()
      if (tty) process.stderr.write('\n')
    },
  }
}

/**
 * Opens a paused line as an operator would: asking again while the gateway answers 503 (the core,
 * which keeps the line's settings, too busy to answer within the gateway's 2 s on a loaded machine).
 */
async function openLineOf(api: Api, concertId: number) {
  for (let attempt = 1; ; attempt++) {
    const reply = await api.patchQueue(concertId, { paused: false })
    if (reply.status !== 503 || attempt === 10) return reply
    await delay(500 * attempt)
  }
}
