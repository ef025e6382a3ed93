/** Setup steps shared by the benchmarks, the rush and the test: concerts, charged and admitted users. */
import { type Api, expectStatus, type CreatedConcert } from './client.ts'
import { sleep } from './stack.ts'

export const TICKET_PRICE = 50_000

/** Seats of each date the benches and the rush create: they number a date's seats 1…1,000. */
const SEATS_PER_DATE = 1000

/** Creates a concert with `seats` seats in schedules of at most 1000. */
export async function createConcert(api: Api, title: string, seats: number, price = TICKET_PRICE): Promise<CreatedConcert> {
  const schedules: { startsAt: string; seats: number; price: number }[] = []
  const day = 24 * 3600 * 1000
  for (let left = seats, i = 0; left > 0; left -= SEATS_PER_DATE, i++) {
    const startsAt = new Date(Date.UTC(2027, 0, 1, 19) + i * day).toISOString()
    schedules.push({ startsAt, seats: Math.min(left, SEATS_PER_DATE), price })
  }
  return expectStatus(await api.createConcert({ title, venue: 'Load Test Arena', schedules }), 201, 'create concert')
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
export async function inParallel<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i] as T, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return results
}

/** Enters each user into the line of `concertId` and returns their tokens, in `users` order. */
export async function joinAll(api: Api, concertId: number, users: readonly string[]): Promise<string[]> {
  return inParallel(users, 64, async (user) => expectStatus(await api.join(user, concertId), [200, 201], `join ${user}`).token)
}

/**
 * Admits every user at once (a large `admitPerTick`, no `maxActive`) and waits until each token is
 * ACTIVE. Benchmarks that need active users use this; it says nothing about fairness.
 */
export async function admitAll(api: Api, concertId: number, users: readonly string[]): Promise<string[]> {
  expectStatus(await api.patchQueue(concertId, { admitPerTick: 100_000, maxActive: null, paused: false }), 200, 'open queue')
  const tokens = await joinAll(api, concertId, users)
  const deadline = Date.now() + 60_000
  await inParallel(users, 64, async (user, i) => {
    const token = tokens[i] as string
    for (;;) {
      const state = expectStatus(await api.tokenState(user, concertId, token), 200, `state of ${user}`)
      if (state.status === 'ACTIVE') return
      if (Date.now() > deadline) throw new Error(`${user} was not admitted within 60 s (position ${state.position})`)
      await sleep(100)
    }
  })
  return tokens
}

/** Gives each user `amount` won. */
export async function chargeAll(api: Api, users: readonly string[], amount: number): Promise<void> {
  await inParallel(users, 64, async (user) => {
    expectStatus(await api.charge(user, amount), 201, `charge ${user}`)
  })
}
