/** The harness itself: private Redis (killed and restarted, with and without persistence), Postgres and a cluster. */
import t from 'tap'
import pg from 'pg'
import { startRedisCluster } from '../src/redis-cluster.ts'
import { startPostgres } from '../src/postgres-server.ts'
import { startRedis } from '../src/redis-server.ts'

t.test('a private Redis without persistence starts empty after a kill', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.close())
  t.match(await redis.command('SET', 'k', 'v'), /^\+OK/)
  await redis.kill()
  await t.rejects(redis.command('PING'))
  await redis.start()
  t.match(await redis.command('GET', 'k'), /^\$-1/)
})

t.test('a persistent Redis keeps a write through kill -9', async (t) => {
  const redis = await startRedis({ persistent: true })
  t.teardown(() => redis.close())
  await redis.command('RPUSH', 'line', 'a', 'b', 'c')
  await redis.restart('SIGKILL')
  t.match(await redis.command('LINDEX', 'line', '2'), /\r\nc\r\n$/)
})

t.test('a private Postgres survives an immediate restart with committed rows', async (t) => {
  const postgres = await startPostgres()
  t.teardown(() => postgres.close())
  const url = await postgres.createDatabase('harness')
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('create table t (n int)')
  await client.query('insert into t values (1)')
  await client.end()
  await postgres.restart('immediate')
  const again = new pg.Client({ connectionString: url })
  await again.connect()
  t.same((await again.query('select n from t')).rows, [{ n: 1 }])
  await again.end()
})

t.test('a local three-primary cluster reaches cluster_state:ok', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(() => cluster.close())
  t.equal(cluster.nodes.split(',').length, 3)
})
