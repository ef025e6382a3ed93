/** The HTTP rules of seat maps that need no stack: which encoding a client gets, which tags match. */
import t from 'tap'
import { chooseEncoding, matches } from '../src/seat-maps/send.ts'

t.test('the encoding: brotli before gzip, a q of 0 refuses, identity without the header', async (t) => {
  t.equal(chooseEncoding(undefined), null)
  t.equal(chooseEncoding(''), null)
  t.equal(chooseEncoding('identity'), null)
  t.equal(chooseEncoding('gzip'), 'gzip')
  t.equal(chooseEncoding('gzip, deflate, br'), 'br')
  t.equal(chooseEncoding('BR;q=0.1, GZIP'), 'br')
  t.equal(chooseEncoding('br;q=0, gzip;q=0.8'), 'gzip')
  t.equal(chooseEncoding('br;q=0,gzip;q=0'), null)
  t.equal(chooseEncoding('*'), 'gzip')
  t.equal(chooseEncoding('deflate'), null)
})

t.test('If-None-Match: weak comparison, lists and *', async (t) => {
  const etag = 'W/"abc"'
  t.notOk(matches(undefined, etag))
  t.ok(matches('W/"abc"', etag))
  t.ok(matches('"abc"', etag))
  t.ok(matches('"x", W/"abc"', etag))
  t.ok(matches('*', etag))
  t.notOk(matches('"abd"', etag))
  t.notOk(matches('abc', etag), 'an unquoted value is not the tag')
})
