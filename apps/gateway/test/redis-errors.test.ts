/**
 * Which errors of the Redis client mean "Redis cannot be reached now" (a fast 503) rather than a
 * fault of the gateway (500): among them a command in flight when a killed primary's connection closed.
 */
import t from 'tap'
import { isRedisUnavailable } from '../src/redis/client.ts'

const named = (name: string, message: string) => Object.assign(new Error(message), { name })

t.test('the client errors of an unreachable or failing-over Redis are unavailability', async (t) => {
  t.ok(isRedisUnavailable(named('AbortError', 'Command aborted due to connection close')), 'a command aborted by its connection closing')
  t.ok(isRedisUnavailable(new Error('Connection is closed.')))
  t.ok(isRedisUnavailable(new Error('MOVED 3999 127.0.0.1:6381')), 'a redirection not followed')
  t.ok(isRedisUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })))
})

t.test('other errors are not', async (t) => {
  t.notOk(isRedisUnavailable(new Error('ERR Error running script (call to f_0): @user_script:1: bad argument')))
  t.notOk(isRedisUnavailable('Connection is closed'), 'not an Error')
})
