/**
 * Fairness of a rush: how many users were admitted before someone who arrived earlier.
 *
 * Polling makes admission times fuzzy — a user admitted in tick 3 may only notice at tick 5 — so
 * comparing "first seen ACTIVE" times would invent inversions. Only proven ones are counted: user B
 * (later arrival) is admitted before A (earlier arrival) when B's request that answered ACTIVE had
 * already *ended* before A's request that still answered WAITING *started*. The server answered B
 * first, so B was admitted while A still waited. This can miss an inversion hidden between two polls;
 * it never reports a false one.
 *
 * Arrival order: with a pre-queue (the line is paused while everybody joins) the position in the answer
 * to the join is the exact arrival rank. Without it, A arrived before B only when A's join had ended
 * before B's began; joins that overlapped are not ordered.
 */
import type { UserRecord } from './user.ts'

export interface Fairness {
  /** users admitted while someone who arrived earlier provably still waited */
  inversions: number
  /** how arrival order was known */
  arrivalOrder: 'position' | 'join time'
  examples: string[]
}

/** Each concert has its own line: inversions are counted within each and added up. */
export function fairness(records: readonly UserRecord[], prequeue: boolean): Fairness {
  const byConcert = new Map<number, UserRecord[]>()
  for (const r of records) byConcert.set(r.concertId, [...(byConcert.get(r.concertId) ?? []), r])
  const results = [...byConcert.values()].map((line) => fairnessOfLine(line, prequeue))
  return {
    inversions: results.reduce((n, r) => n + r.inversions, 0),
    arrivalOrder: prequeue ? 'position' : 'join time',
    examples: results.flatMap((r) => r.examples).slice(0, 5),
  }
}

function fairnessOfLine(records: readonly UserRecord[], prequeue: boolean): Fairness {
  const admitted = records.filter((r) => r.firstActiveEnd !== null)
  const examples: string[] = []
  let inversions = 0
  if (prequeue) {
    // Walk in arrival order, keeping the latest "still waiting" time seen among earlier arrivals.
    const byRank = [...records].filter((r) => r.joinPosition !== null).sort((a, b) => a.joinPosition! - b.joinPosition!)
    let latestWaiting = Number.NEGATIVE_INFINITY
    let waitingUser = ''
    for (const r of byRank) {
      if (r.firstActiveEnd !== null && r.firstActiveEnd < latestWaiting) {
        inversions++
        if (examples.length < 5) examples.push(`${r.id} (position ${r.joinPosition}) admitted while ${waitingUser} waited`)
      }
      if (r.lastWaitingStart !== null && r.lastWaitingStart > latestWaiting) {
        latestWaiting = r.lastWaitingStart
        waitingUser = `${r.id} (position ${r.joinPosition})`
      }
    }
    return { inversions, arrivalOrder: 'position', examples }
  }
  // Arrival by join time: prefix maximum of "still waiting" over users sorted by join end.
  const byJoinEnd = [...records].sort((a, b) => a.joinEnd - b.joinEnd)
  const prefixMax: number[] = []
  let max = Number.NEGATIVE_INFINITY
  for (const r of byJoinEnd) {
    max = Math.max(max, r.lastWaitingStart ?? Number.NEGATIVE_INFINITY)
    prefixMax.push(max)
  }
  for (const b of admitted) {
    // users whose join ended before b's began
    let lo = 0
    let hi = byJoinEnd.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (byJoinEnd[mid]!.joinEnd < b.joinStart) lo = mid + 1
      else hi = mid
    }
    if (lo > 0 && prefixMax[lo - 1]! > b.firstActiveEnd!) {
      inversions++
      if (examples.length < 5) examples.push(`${b.id} admitted while an earlier arrival waited`)
    }
  }
  return { inversions, arrivalOrder: 'join time', examples }
}
