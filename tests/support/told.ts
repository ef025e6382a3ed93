/**
 * What the line tells fans who hold a place, asked at random across the gateways while a fault
 * happens: each fan's statuses in order, so that ACTIVE then WAITING (a turn admitted twice) shows.
 */
import { as, call } from '@rushgate/testkit'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface ToldOptions {
  /** The gateways, asked in turn by the pollers. */
  urls: string[]
  concertId: number
  /** Each acknowledged fan's queue token (filled while the joins go on). */
  tokens: Map<string, string>
  running: () => boolean
  /** Every answer's status (-1: no answer). */
  onAnswer?: (status: number) => void
}

export function toldStatuses(o: ToldOptions): { told: Map<string, string[]>; poller: (w: number) => Promise<void> } {
  const told = new Map<string, string[]>()
  const poller = async (w: number) => {
    while (o.running()) {
      const users = [...o.tokens.keys()]
      if (users.length === 0) {
        await sleep(20)
        continue
      }
      const user = users[Math.floor(Math.random() * users.length)]!
      const res = await call(o.urls[w % o.urls.length]!, 'GET', `/api/queues/${o.concertId}/tokens/current`, {
        headers: as(user, o.tokens.get(user)!),
        timeoutMs: 5000,
      }).catch(() => null)
      o.onAnswer?.(res?.status ?? -1)
      if (res?.status === 200) {
        const seen = told.get(user) ?? []
        if (seen.at(-1) !== res.body.status) seen.push(res.body.status)
        told.set(user, seen)
      } else await sleep(50)
    }
  }
  return { told, poller }
}
