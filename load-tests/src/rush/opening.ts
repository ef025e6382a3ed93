/**
 * The opening minute: N users, each with its own network delay, press "join" in the seconds before a
 * line opens; how much does arrival speed still decide who gets in first?
 *
 * Every user has a one-way delay (uniform in [minDelayMs, maxDelayMs]), slept before each request is
 * sent and after each answer arrives; all press at the same moment (give or take `spreadMs`), so that
 * the order in which the joins reach the gateway is the order of their delays: the fastest scripts
 * arrive first. The line admits a tenth of the users in the first tick after the opening and no more
 * (admitPerTick = maxActive = N/10), and the measure is the share of the fastest decile (the tenth
 * with the lowest delay) among that first tenth admitted. If speed did not matter it would be about
 * 0.1; in a pure race it approaches 1.
 *
 * `prequeue` presses `leadMs` before opensAt: the joins are PREQUEUE and the draw orders them.
 * `race` is the line without a sale window, as before the pre-queue existed: the same press, on an
 * open line, whose first ticks admit in arrival order.
 */
import { randomBytes } from 'node:crypto'
import { Api, expectStatus, HttpClient } from '../client.ts'
import { createConcert } from '../setup.ts'
import { sleep, type Stack } from '../stack.ts'

export interface OpeningOptions {
  users: number
  mode: 'prequeue' | 'race'
  minDelayMs: number
  maxDelayMs: number
  /** presses are spread uniformly over this many ms (0: all at once, the case where only speed counts) */
  spreadMs: number
  /** prequeue mode: how long before opensAt everybody presses (enough for all joins to land before it) */
  leadMs: number
  connections: number
}

export interface OpeningResult {
  mode: OpeningOptions['mode']
  users: number
  /** the users admitted first: a tenth of the line */
  firstTenth: number
  /** how many of them are in the fastest decile */
  fastestInFirstTenth: number
  /** fastestInFirstTenth / firstTenth: about 0.1 when speed does not matter */
  share: number
  /** the same share for the slowest decile */
  slowestShare: number
  /** joins answered PREQUEUE (prequeue mode: all of them) */
  prequeued: number
  joinErrors: number
}

interface Visitor {
  id: string
  delayMs: number
  token: string | null
  status: string | null
}

export async function runOpening(stack: Stack, o: OpeningOptions, log: (line: string) => void): Promise<OpeningResult> {
  const http = new HttpClient(stack.gatewayUrl, o.connections)
  const api = new Api(http, stack.adminToken)
  try {
    const runId = randomBytes(3).toString('hex')
    const tenth = Math.ceil(o.users / 10)
    // A seat for every user: the line admits no more than the seats left, and the measure needs a full tenth in.
    const concert = await createConcert(api, `Opening ${runId}`, o.users)
    const pressAt = Date.now() + 3000 + o.users // time for the users to get ready
    const opensAt = o.mode === 'prequeue' ? pressAt + o.leadMs : null
    expectStatus(
      await api.patchQueue(concert.id, {
        admitPerTick: tenth,
        maxActive: tenth,
        ...(opensAt ? { opensAt: new Date(opensAt).toISOString() } : {}),
      }),
      200,
      'line settings',
    )
    const visitors: Visitor[] = Array.from({ length: o.users }, (_, i) => ({
      id: `op${runId}-${i}`,
      delayMs: o.minDelayMs + Math.random() * (o.maxDelayMs - o.minDelayMs),
      token: null,
      status: null,
    }))
    log(`${o.users} users (${o.mode}), delays ${o.minDelayMs}–${o.maxDelayMs} ms, ${tenth} admitted first`)

    let done = false
    let prequeued = 0
    let joinErrors = 0
    const over = async () => {
      const q = expectStatus(await api.queue(concert.id), 200, 'queue')
      return q.admittedTotal >= tenth
    }
    const journeys = visitors.map(async (v) => {
      await sleep(pressAt + Math.random() * o.spreadMs - Date.now())
      await sleep(v.delayMs)
      const joined = await api.join(v.id, concert.id)
      await sleep(v.delayMs)
      if (joined.status !== 201) {
        joinErrors++
        return
      }
      v.token = joined.body.token
      if (joined.body.status === 'PREQUEUE') prequeued++
      // Keep asking as told (that is presence), until the first tenth is in.
      let after = joined.body.pollAfterMs
      while (!done) {
        await sleep(Math.min(after, 1000))
        if (done) break
        await sleep(v.delayMs)
        const s = await api.tokenState(v.id, concert.id, v.token!)
        await sleep(v.delayMs)
        if (s.status !== 200) break
        after = s.body.pollAfterMs
      }
    })
    const deadline = Date.now() + 120_000 + o.users * 10
    while (!(await over())) {
      if (Date.now() > deadline) throw new Error('the first tenth was not admitted in time')
      await sleep(100)
    }
    done = true
    await Promise.all(journeys)

    // Who is active now is who was admitted first: maxActive keeps everyone else out.
    for (const v of visitors) {
      if (!v.token) continue
      const s = await api.tokenState(v.id, concert.id, v.token)
      v.status = s.status === 200 ? s.body.status : `HTTP ${s.status}`
    }
    const byDelay = [...visitors].sort((a, b) => a.delayMs - b.delayMs)
    const fastest = new Set(byDelay.slice(0, tenth).map((v) => v.id))
    const slowest = new Set(byDelay.slice(-tenth).map((v) => v.id))
    const first = visitors.filter((v) => v.status === 'ACTIVE')
    const fastestInFirstTenth = first.filter((v) => fastest.has(v.id)).length
    return {
      mode: o.mode,
      users: o.users,
      firstTenth: first.length,
      fastestInFirstTenth,
      share: round3(fastestInFirstTenth / Math.max(1, first.length)),
      slowestShare: round3(first.filter((v) => slowest.has(v.id)).length / Math.max(1, first.length)),
      prequeued,
      joinErrors,
    }
  } finally {
    await http.close()
  }
}

const round3 = (v: number) => Math.round(v * 1000) / 1000
