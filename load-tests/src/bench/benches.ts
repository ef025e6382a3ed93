/**
 * The benchmarks. Each prepares what it needs through the public API, then measures one path of the
 * project with autocannon; the runner measures the one-round-trip baseline beside it.
 */
import { Headers as H } from '@rushgate/shared'
import type { RequestParams } from 'autocannon'
import { Redis } from 'ioredis'
import type { Api, NewConcert } from '../client.ts'
import { admitAll, chargeAll, createConcert, inParallel, joinAll, TICKET_PRICE } from '../setup.ts'
import { expectStatus } from '../client.ts'
import type { Stack } from '../stack.ts'
import type { BenchSettings, Measurement } from './measure.ts'
import { breakdown, commandCalls, totalOf } from './redis-stats.ts'

export interface BenchContext {
  stack: Stack
  api: Api
  settings: BenchSettings
  /** Unique per run, so user ids never collide with an earlier run against the same stack. */
  runId: string
  /** The one-round-trip baseline route. */
  baselineUrl: string
  /** Users prepared for the hold and payment benchmarks. */
  users: number
  log: (line: string) => void
}

export interface Bench {
  name: string
  title: string
  /** Sets up what the measurements need; the runner measures them beside the baseline. */
  prepare(ctx: BenchContext): Promise<Measurement[]>
  /** Also measured against Postgres's own ceiling (pgbench), in the same run. */
  againstPgbench?: boolean
}

const path = (url: string) => new URL(url).pathname
/** The contract's default MAX_HOLDS_PER_USER, which the benchmark stack keeps. */
const MAX_HOLDS_PER_USER = 4

/** Token issue, a new user every request: one `enter` script (INCR + ZADD) and a signature per request. */
const token: Bench = {
  name: 'token',
  title: 'token issue (new user per request)',
  async prepare(ctx) {
    const concert = await createConcert(ctx.api, `bench token ${ctx.runId}`, 10)
    // Paused, so the line only grows: every request is a first entry, never a re-entry.
    expectStatus(await ctx.api.patchQueue(concert.id, { paused: true }), 200, 'pause')
    let n = 0
    const setupRequest = (req: RequestParams) => ({
      ...req,
      headers: { ...req.headers, [H.userId]: `t${ctx.runId}-${n++}` },
    })
    return [
      {
          bench: 'token',
          name: 'POST /api/queues/:id/tokens',
          url: ctx.stack.gatewayUrl,
          requests: [{ method: 'POST', path: `/api/queues/${concert.id}/tokens`, setupRequest }],
          expected: [201],
        },
    ]
  },
}

/**
 * Position polling: pre-issued tokens of a paused line, cycled through. Each token is polled once
 * first, so the replica knows every place (line-mirror.ts) and the measured polls are answered
 * from memory; beside a Fastify hello-world answering a body of the same size. Before the run it
 * counts the Redis commands per poll with INFO commandstats (scripts' inner calls included, the
 * admission ticks and presence flushes of the time too): the fewest of three counts, since the
 * Redis may be shared.
 */
const poll: Bench = {
  name: 'poll',
  title: 'position polling (5,000 waiting tokens, cycled)',
  async prepare(ctx) {
    const concert = await createConcert(ctx.api, `bench poll ${ctx.runId}`, 10)
    expectStatus(await ctx.api.patchQueue(concert.id, { paused: true }), 200, 'pause')
    const users = Array.from({ length: 5000 }, (_, i) => `p${ctx.runId}-${i}`)
    ctx.log(`issuing ${users.length} tokens`)
    const tokens = await joinAll(ctx.api, concert.id, users)
    // Wait for a tick's snapshot (pausing dropped the last one), then let the replica learn each place.
    await new Promise((r) => setTimeout(r, 2500))
    const states = await inParallel(users, 50, (u, i) => ctx.api.tokenState(u, concert.id, tokens[i] as string))
    const bytes = Buffer.byteLength(JSON.stringify(states[0]?.body))
    const perPoll = await commandsPerPoll(ctx, concert.id, users, tokens)
    ctx.log(`poll: ${perPoll.map((c) => c.toFixed(4)).join(', ')} Redis commands per waiting poll (fewest counts)`)
    let n = 0
    const setupRequest = (req: RequestParams) => {
      const i = n++ % users.length
      return { ...req, headers: { [H.userId]: users[i] as string, [H.queueToken]: tokens[i] as string } }
    }
    return [
      {
        bench: 'poll',
        name: 'GET /api/queues/:id/tokens/current',
        url: ctx.stack.gatewayUrl,
        requests: [{ method: 'GET', path: `/api/queues/${concert.id}/tokens/current`, setupRequest }],
        baseline: helloWorld('poll', ctx.baselineUrl, bytes),
      },
    ]
  },
}

/** Redis commands per poll over three runs of 20,000 polls (the INFO calls themselves taken out). */
async function commandsPerPoll(ctx: BenchContext, concertId: number, users: string[], tokens: string[]): Promise<number[]> {
  const redis = new Redis(ctx.stack.redisUrl)
  try {
    const counts: number[] = []
    for (let run = 0; run < 3; run++) {
      const polls = 20_000
      const before = await commandCalls(redis)
      const started = performance.now()
      await inParallel(
        Array.from({ length: polls }, (_, i) => i),
        50,
        (i) => ctx.api.tokenState(users[i % users.length] as string, concertId, tokens[i % users.length] as string),
      )
      const after = await commandCalls(redis)
      counts.push((totalOf(after) - totalOf(before) - 1) / polls)
      ctx.log(`poll: ${polls} polls in ${((performance.now() - started) / 1000).toFixed(1)} s ran ${breakdown(before, after)}`)
    }
    return counts.sort((a, b) => a - b)
  } finally {
    redis.disconnect()
  }
}

/**
 * Seat maps of a 1,000-seat schedule, the read every admitted fan repeats: through the gateway
 * (from its cache, after the token check), as gzip, as a 304 for a client that has the map, and
 * straight from the core. Each beside a Fastify hello-world answering a body of the same size.
 */
const seats: Bench = {
  name: 'seats',
  title: 'seat maps, gateway (cached) vs core direct (1,000 seats)',
  async prepare(ctx) {
    const concert = await createConcert(ctx.api, `bench seats ${ctx.runId}`, 1000)
    const schedule = concert.schedules[0]!.id
    const users = Array.from({ length: 100 }, (_, i) => `s${ctx.runId}-${i}`)
    const tokens = await admitAll(ctx.api, concert.id, users)
    const seatsPath = `/api/concerts/${concert.id}/schedules/${schedule}/seats`
    const probe = async (headers: Record<string, string>) => {
      const res = await fetch(ctx.stack.gatewayUrl + seatsPath, { headers: { [H.userId]: users[0]!, [H.queueToken]: tokens[0]!, ...headers } })
      const body = Buffer.from(await res.arrayBuffer())
      return { etag: res.headers.get('etag') ?? '', bytes: Number(res.headers.get('content-length') ?? body.length) }
    }
    const plain = await probe({ 'accept-encoding': 'identity' })
    const gzip = await probe({ 'accept-encoding': 'gzip' })
    ctx.log(`seat map: ${plain.bytes} bytes, ${gzip.bytes} gzipped, ETag ${plain.etag}`)
    const admitted = (extra: Record<string, string>) => {
      let n = 0
      return (req: RequestParams) => {
        const i = n++ % users.length
        return { ...req, headers: { [H.userId]: users[i] as string, [H.queueToken]: tokens[i] as string, ...extra } }
      }
    }
    const hello = (bytes: number) => helloWorld('seats', ctx.baselineUrl, bytes)
    return [
      {
        bench: 'seats',
        name: 'GET …/seats via gateway',
        url: ctx.stack.gatewayUrl,
        requests: [{ method: 'GET', path: seatsPath, setupRequest: admitted({ 'accept-encoding': 'identity' }) }],
        compareToCore: 'GET …/seats core direct',
        baseline: hello(plain.bytes),
      },
      {
        bench: 'seats',
        name: 'GET …/seats via gateway, gzip',
        url: ctx.stack.gatewayUrl,
        requests: [{ method: 'GET', path: seatsPath, setupRequest: admitted({ 'accept-encoding': 'gzip' }) }],
        baseline: hello(gzip.bytes),
      },
      {
        bench: 'seats',
        name: 'GET …/seats via gateway, If-None-Match (304)',
        url: ctx.stack.gatewayUrl,
        requests: [{ method: 'GET', path: seatsPath, setupRequest: admitted({ 'if-none-match': plain.etag }) }],
        expected: [304],
        baseline: hello(0),
      },
      {
        bench: 'seats',
        name: 'GET …/seats core direct',
        kind: 'core',
        url: ctx.stack.coreUrl,
        requests: [
          {
            method: 'GET',
            path: seatsPath,
            headers: { [H.userId]: users[0] as string, [H.internalToken]: ctx.stack.internalToken },
          },
        ],
        baseline: hello(plain.bytes),
      },
    ]
  },
}

/**
 * Many users holding seats of one schedule at the same time: every request holds the next free seat,
 * 100 connections all working on the same schedule until it is full, then on the next one.
 */
const holds: Bench = {
  name: 'holds',
  title: 'holds: many users, one schedule at a time',
  againstPgbench: true,
  async prepare(ctx) {
    const seatCount = 10_000
    const concert = await createConcert(ctx.api, `bench holds ${ctx.runId}`, seatCount)
    const users = Array.from({ length: ctx.users }, (_, i) => `h${ctx.runId}-${i}`)
    ctx.log(`admitting ${users.length} users`)
    const tokens = await admitAll(ctx.api, concert.id, users)
    // A user may hold at most MAX_HOLDS_PER_USER seats, so each user takes seats round-robin.
    let n = 0
    const setupRequest = (req: RequestParams) => {
      const i = n++
      const schedule = concert.schedules[Math.floor(i / 1000) % concert.schedules.length]!
      const u = i % users.length
      return {
        ...req,
        headers: { [H.userId]: users[u] as string, [H.queueToken]: tokens[u] as string, 'content-type': 'application/json' },
        body: JSON.stringify({ scheduleId: schedule.id, seatNumber: (i % 1000) + 1 }),
      }
    }
    return [
      {
          bench: 'holds',
          name: 'POST /api/concerts/:id/reservations',
          url: ctx.stack.gatewayUrl,
          requests: [{ method: 'POST', path: `/api/concerts/${concert.id}/reservations`, setupRequest }],
          expected: [201],
          amount: Math.min(seatCount, users.length * MAX_HOLDS_PER_USER),
        },
    ]
  },
}

/** Payments: each prepared user (charged, admitted, holding one seat) pays once. */
const payments: Bench = {
  name: 'payments',
  title: 'payments (one per prepared user)',
  againstPgbench: true,
  async prepare(ctx) {
    const concert = await createConcert(ctx.api, `bench pay ${ctx.runId}`, ctx.users)
    const users = Array.from({ length: ctx.users }, (_, i) => `y${ctx.runId}-${i}`)
    ctx.log(`preparing ${users.length} payers (charge, admit, hold)`)
    await chargeAll(ctx.api, users, TICKET_PRICE)
    const tokens = await admitAll(ctx.api, concert.id, users)
    const holdIds = await inParallel(users, 64, async (user, i) => {
      const schedule = concert.schedules[Math.floor(i / 1000)]!
      const reply = await ctx.api.hold(user, concert.id, tokens[i] as string, schedule.id, (i % 1000) + 1)
      return expectStatus(reply, 201, `hold for ${user}`).id
    })
    let n = 0
    const setupRequest = (req: RequestParams) => {
      const i = n++ % users.length
      return {
        ...req,
        headers: {
          [H.userId]: users[i] as string,
          [H.queueToken]: tokens[i] as string,
          [H.idempotencyKey]: `pay-${ctx.runId}-${i}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ reservationIds: [holdIds[i]] }),
      }
    }
    return [
      {
          bench: 'payments',
          name: 'POST /api/concerts/:id/payments',
          url: ctx.stack.gatewayUrl,
          requests: [{ method: 'POST', path: `/api/concerts/${concert.id}/payments`, setupRequest }],
          expected: [201],
          amount: users.length,
        },
    ]
  },
}

/**
 * Not the project: variants of the baseline that explain its ratios — what a second sequential Redis
 * round trip costs, and what batching the writes of concurrent requests (ioredis auto-pipelining) gives.
 */
const rtt: Bench = {
  name: 'rtt',
  title: 'baseline variants: round trips and auto-pipelining',
  async prepare(ctx) {
    const origin = new URL(ctx.baselineUrl).origin
    return [
      ['Fastify + 2 sequential Redis GETs', '/baseline/2'],
      ['Fastify + 1 GET, auto-pipelined client', '/baseline/ap/1'],
      ['Fastify + 2 GETs, auto-pipelined client', '/baseline/ap/2'],
    ].map(([name, path]) => ({ bench: 'rtt', name: name!, kind: 'baseline', url: origin, requests: [{ method: 'GET', path: path! }] }))
  },
}

/**
 * The stadium plan of the contract's figures: two standing floors of 20,000 and 60 seated sections
 * of 500 in rows of 50 (70,000 places a date).
 */
export function stadiumPlan(title: string): NewConcert {
  return {
    title,
    venue: 'Load Test Stadium',
    grades: [
      { code: 'VIP', name: 'VIP', price: TICKET_PRICE * 2 },
      { code: 'R', name: 'R', price: TICKET_PRICE },
    ],
    sections: [
      ...[1, 2].map((n) => ({ code: `F${n}`, name: `Floor ${n}`, grade: 'VIP', standing: 20_000 })),
      ...Array.from({ length: 60 }, (_, i) => ({
        code: `S${i + 1}`,
        name: `Block ${i + 1}`,
        grade: 'R',
        rows: Array.from({ length: 10 }, (_, r) => ({ row: `${r + 1}`, seats: 50 })),
      })),
    ],
    schedules: [{ startsAt: '2027-01-01T19:00:00Z' }],
  }
}

/**
 * The venue: a stadium date of 70,000 places; its sections summary and a 500-place section's map
 * through the gateway (vs a hello-world of the same size); group holds of each form (two places a
 * request, a user two requests: MAX_HOLDS_PER_USER), against pgbench in the same run.
 */
const venue: Bench = {
  name: 'venue',
  title: 'venue: a 70,000-place date — summary, section map, group holds of each form',
  againstPgbench: true,
  async prepare(ctx) {
    const started = performance.now()
    const concert = expectStatus(await ctx.api.createConcert(stadiumPlan(`bench venue ${ctx.runId}`)), 201, 'create the stadium')
    ctx.log(`a 70,000-place date created in ${Math.round(performance.now() - started)} ms`)
    const scheduleId = concert.schedules[0]!.id
    const perForm = Math.max(1, Math.floor(ctx.users / 3))
    const sets = ['b', 'f', 'c'].map((form) => Array.from({ length: perForm }, (_, i) => `v${form}${ctx.runId}-${i}`))
    ctx.log(`admitting ${3 * perForm} users`)
    const tokens = await Promise.all(sets.map((users) => admitAll(ctx.api, concert.id, users)))
    const base = `/api/concerts/${concert.id}/schedules/${scheduleId}`
    const probe = async (p: string) => {
      const res = await fetch(ctx.stack.gatewayUrl + p, {
        headers: { [H.userId]: sets[0]![0]!, [H.queueToken]: tokens[0]![0]!, 'accept-encoding': 'identity' },
      })
      return Buffer.from(await res.arrayBuffer()).length
    }
    const sectionPath = `${base}/seats?section=S30`
    const [summaryBytes, sectionBytes] = [await probe(`${base}/sections`), await probe(sectionPath)]
    ctx.log(`sections summary: ${summaryBytes} bytes; a 500-place section's map: ${sectionBytes} bytes`)
    const reader = (extra: Record<string, string>) => {
      let n = 0
      return (req: RequestParams) => {
        const i = n++ % perForm
        return { ...req, headers: { [H.userId]: sets[0]![i]!, [H.queueToken]: tokens[0]![i]!, ...extra } }
      }
    }
    // Each request is the next user's (round-robin), so a user makes at most two requests of two places.
    const groupHold = (set: number, body: (i: number) => Record<string, unknown>) => {
      let n = 0
      return (req: RequestParams) => {
        const i = n++
        const u = i % perForm
        return {
          ...req,
          headers: { [H.userId]: sets[set]![u]!, [H.queueToken]: tokens[set]![u]!, 'content-type': 'application/json' },
          body: JSON.stringify({ scheduleId, ...body(i) }),
        }
      }
    }
    const amount = perForm * Math.floor(MAX_HOLDS_PER_USER / 2)
    const holdsPath = `/api/concerts/${concert.id}/holds`
    const hello = (bytes: number) => helloWorld('venue', ctx.baselineUrl, bytes)
    return [
      {
        bench: 'venue',
        name: 'GET …/seats?section= (500 places) via gateway',
        url: ctx.stack.gatewayUrl,
        requests: [{ method: 'GET', path: sectionPath, setupRequest: reader({ 'accept-encoding': 'identity' }) }],
        baseline: hello(sectionBytes),
      },
      {
        bench: 'venue',
        name: 'GET …/sections (62 sections) via gateway',
        url: ctx.stack.gatewayUrl,
        requests: [{ method: 'GET', path: `${base}/sections`, setupRequest: reader({ 'accept-encoding': 'identity' }) }],
        baseline: hello(summaryBytes),
      },
      {
        bench: 'venue',
        name: 'POST …/holds best available, 2 together',
        url: ctx.stack.gatewayUrl,
        requests: [{ method: 'POST', path: holdsPath, setupRequest: groupHold(0, () => ({ bestAvailable: { quantity: 2 } })) }],
        expected: [201],
        amount,
      },
      {
        bench: 'venue',
        name: 'POST …/holds standing, 2 places',
        url: ctx.stack.gatewayUrl,
        requests: [{ method: 'POST', path: holdsPath, setupRequest: groupHold(1, (i) => ({ section: i % 2 ? 'F2' : 'F1', quantity: 2 })) }],
        expected: [201],
        amount,
      },
      {
        bench: 'venue',
        name: 'POST …/holds chosen seats, 2',
        url: ctx.stack.gatewayUrl,
        // Seated places are 40,001…70,000: two different ones a request, from the back.
        requests: [{ method: 'POST', path: holdsPath, setupRequest: groupHold(2, (i) => ({ seatNumbers: [70_000 - 2 * i - 1, 70_000 - 2 * i] })) }],
        expected: [201],
        amount,
      },
    ]
  },
}

export const BENCHES: Bench[] = [token, poll, seats, holds, payments, rtt, venue]

/** A Fastify hello-world answering `bytes` bytes of JSON (at least `{"hello":"world"}`), no Redis. */
export function helloWorld(bench: string, baselineUrl: string, bytes: number): Measurement {
  return {
    bench,
    name: `baseline: Fastify hello-world, ${bytes > 17 ? `${bytes.toLocaleString('en-US')}-byte body` : '17-byte body'}`,
    kind: 'baseline',
    url: new URL(baselineUrl).origin,
    requests: [{ method: 'GET', path: `/hello/${bytes}` }],
  }
}

/** The baseline: one Fastify route, one Redis GET. */
export function baselineMeasurement(bench: string, url: string): Measurement {
  return {
    bench,
    name: 'baseline: Fastify + 1 Redis GET',
    kind: 'baseline',
    url: new URL(url).origin,
    requests: [{ method: 'GET', path: path(url) }],
  }
}
