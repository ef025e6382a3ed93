/** The fairness measure counts proven inversions only: polling granularity must not invent any. */
import t from 'tap'
import { fairness } from '../src/rush/fairness.ts'
import { newRecord, type UserRecord } from '../src/rush/user.ts'

function user(position: number, lastWaitingStart: number | null, firstActiveEnd: number | null, joinStart = 0, joinEnd = 1): UserRecord {
  return { ...newRecord(`u${position}`), joinPosition: position, lastWaitingStart, firstActiveEnd, joinStart, joinEnd }
}

t.test('when a later arrival is seen active only after an earlier one stopped waiting, then no inversion', async (t) => {
  // u1 admitted at tick 1 but polls late (seen at 900 ms); u2 admitted at tick 2, seen at 300 ms.
  const users = [user(1, 100, 900), user(2, 200, 1300)]
  t.equal(fairness(users, true).inversions, 0)
})

t.test('when a polling gap hides the order, then it is not counted', async (t) => {
  // u2 is seen active (ends 500) before u1 is (ends 900), but u1's last WAITING began at 100: no proof.
  t.equal(fairness([user(1, 100, 900), user(2, 100, 500)], true).inversions, 0)
})

t.test('when a later arrival was active while an earlier one still waited, then it is an inversion', async (t) => {
  // u3 was seen active at 400; u1's WAITING answer began at 600, after it.
  const result = fairness([user(1, 600, 1200), user(2, 300, 1100), user(3, 100, 400)], true)
  t.equal(result.inversions, 1)
  t.match(result.examples[0], /u3/)
})

t.test('when two concerts have their own lines, then positions are compared within each line only', async (t) => {
  // Position 2 of concert 2 is admitted while position 1 of concert 1 still waits: not an inversion.
  const a = { ...user(1, 800, 1200), concertId: 1 }
  const b = { ...user(2, 100, 400), concertId: 2 }
  t.equal(fairness([a, b], true).inversions, 0)
})

t.test('without a pre-queue, only joins that did not overlap are ordered', async (t) => {
  const a = user(1, 800, 1200, 0, 10)
  const overlapping = user(2, 100, 400, 5, 15) // began before a's join ended: not ordered
  const later = user(3, 100, 500, 20, 30) // began after a's join ended, active while a waited
  t.equal(fairness([a, overlapping, later], false).inversions, 1)
})
