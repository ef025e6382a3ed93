/**
 * Samples the admin queue endpoint during a rush: the timeline of the chart, and the evidence for
 * "never more active users than maxActive".
 */
import type { Api } from '../client.ts'

export interface Sample {
  /** ms since the rush began */
  t: number
  waiting: number
  active: number
  admittedTotal: number
  maxActive: number | null
}

export function startSampler(api: Api, concertId: number, now: () => number, everyMs = 250) {
  const samples: Sample[] = []
  let failures = 0
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const started = now()
      try {
        const reply = await api.queue(concertId)
        if (reply.status === 200) {
          const q = reply.body
          samples.push({ t: started, waiting: q.waiting, active: q.active, admittedTotal: q.admittedTotal, maxActive: q.maxActive })
        } else failures++
      } catch {
        failures++
      }
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
