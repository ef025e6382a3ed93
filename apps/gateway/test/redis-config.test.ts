/**
 * The Redis variables of the configuration: Sentinel (REDIS_SENTINELS, REDIS_SENTINEL_NAME) and
 * replication (REDIS_WAIT_REPLICAS, REDIS_WAIT_TIMEOUT_MS). A bad value stops the start with a
 * message that names the variable; Sentinel and Cluster together name both.
 */
import t from 'tap'
import { loadConfig } from '../src/config.ts'

t.test('the defaults: no Sentinel, no WAIT', async (t) => {
  const config = loadConfig({})
  t.equal(config.redisSentinels, null)
  t.equal(config.redisSentinelName, 'mymaster')
  t.equal(config.redisWaitReplicas, 0)
  t.equal(config.redisWaitTimeoutMs, 200)
})

t.test('REDIS_SENTINELS is read as host:port pairs, with the name and the WAIT settings', async (t) => {
  const config = loadConfig({
    REDIS_SENTINELS: 'sentinel-1:26379,10.0.0.2:26380',
    REDIS_SENTINEL_NAME: 'tickets',
    REDIS_WAIT_REPLICAS: '1',
    REDIS_WAIT_TIMEOUT_MS: '50',
  })
  t.same(config.redisSentinels, [
    { host: 'sentinel-1', port: 26379 },
    { host: '10.0.0.2', port: 26380 },
  ])
  t.equal(config.redisSentinelName, 'tickets')
  t.equal(config.redisWaitReplicas, 1)
  t.equal(config.redisWaitTimeoutMs, 50)
  t.equal(loadConfig({ REDIS_SENTINELS: '' }).redisSentinels, null, 'empty: not set')
})

t.test('REDIS_SENTINELS with REDIS_CLUSTER_NODES refuses to start, naming both', async (t) => {
  t.throws(
    () => loadConfig({ REDIS_SENTINELS: 'a:26379', REDIS_CLUSTER_NODES: 'b:6379' }),
    /REDIS_SENTINELS.*REDIS_CLUSTER_NODES/,
  )
})

t.test('a bad value names its variable', async (t) => {
  const bad: [string, string][] = [
    ['REDIS_SENTINELS', 'sentinel-1'],
    ['REDIS_SENTINELS', 'a:26379,,b:26379'],
    ['REDIS_SENTINELS', 'a:0'],
    ['REDIS_SENTINELS', 'a:70000'],
    ['REDIS_SENTINEL_NAME', 'x'.repeat(65)],
    ['REDIS_SENTINEL_NAME', 'two words'],
    ['REDIS_WAIT_REPLICAS', '6'],
    ['REDIS_WAIT_REPLICAS', '-1'],
    ['REDIS_WAIT_REPLICAS', 'one'],
    ['REDIS_WAIT_TIMEOUT_MS', '9'],
    ['REDIS_WAIT_TIMEOUT_MS', '5001'],
  ]
  for (const [name, value] of bad) t.throws(() => loadConfig({ [name]: value }), new RegExp(name), `${name}=${value}`)
  t.equal(loadConfig({ REDIS_SENTINEL_NAME: 'x'.repeat(64) }).redisSentinelName.length, 64, '64 characters are fine')
})
