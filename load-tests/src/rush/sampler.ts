/**
 * Samples the admin queue endpoint during a rush: the timeline of the chart, and the evidence for
 * "never more active users than maxActive".
 */
import type { Api } from '../client.ts'

export interface Sample {
  concertId: number
  /** ms since the rush began; the samples of one round share it */
  t: number
  waiting: number
  active: number
  admittedTotal: number
  maxActive: number | null
  /** The line's state (SOLD_OUT once the tick found nothing left). */
  state?: string
}

/** Every `everyMs`, one sample of each concert's line. */
export function startSampler(api: Api, concertIds: readonly number[], now: () => number, everyMs = 250) {
  const samples: Sample[] = []
  let failures = 0
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const started = now()
      await Promise.all(
        concertIds.map(async (concertId) => {
          try {
            const reply = await api.queue(concertId)
            if (reply.status !== 200) {
              failures++
              return
            }
            const q = reply.body
            samples.push({
              concertId,
              t: started,
              waiting: q.waiting,
              active: q.active,
              admittedTotal: q.admittedTotal,
              maxActive: q.maxActive,
              state: q.state,
            })
          } catch {
            failures++
          }
        }),
      )
      await new Promise((done) => setTimeout(done, Math.max(0, everyMs - (now() - started))))
    }
  })()
  return {
    samples,
    failures: () => failures,
    async stop() {
      stopped = true
      await loop
    },
  }
}

/** The samples of all concerts added up per round: the deployment's line, for the chart. */
export function totals(samples: readonly Sample[]): Sample[] {
  const byT = new Map<number, Sample>()
  for (const s of samples) {
    const total = byT.get(s.t)
    if (!total) byT.set(s.t, { ...s })
    else {
      total.waiting += s.waiting
      total.active += s.active
      total.admittedTotal += s.admittedTotal
      total.maxActive = total.maxActive === null || s.maxActive === null ? null : total.maxActive + s.maxActive
    }
  }
  return [...byT.values()].sort((a, b) => a.t - b.t)
}

/** The last sample of each concert. */
export function lastOfEach(samples: readonly Sample[]): Sample[] {
  const last = new Map<number, Sample>()
  for (const s of samples) last.set(s.concertId, s)
  return [...last.values()]
}
