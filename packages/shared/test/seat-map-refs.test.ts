import t from 'tap'
import { formatSeatMapRefs, parseSeatMapRefs } from '../src/contract/headers.ts'

t.test('x-seat-maps-changed: written and read back; anything but pairs of positive ids is left out', async (t) => {
  const refs = [
    { concertId: 7, scheduleId: 12 },
    { concertId: 7, scheduleId: 13 },
  ]
  t.equal(formatSeatMapRefs(refs), '7:12,7:13')
  t.same(parseSeatMapRefs('7:12,7:13'), refs)
  t.same(parseSeatMapRefs(undefined), [])
  t.same(parseSeatMapRefs(''), [])
  t.same(parseSeatMapRefs(['7:12']), [], 'a repeated header (an array) is not trusted')
  t.same(parseSeatMapRefs('7,0:3,-1:2,7:x,1.5:2,8:9'), [{ concertId: 8, scheduleId: 9 }])
})
